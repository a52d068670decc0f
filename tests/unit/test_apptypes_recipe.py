import dataclasses

import pytest

from msc_tui.config import Settings
from msc_tui.core.apptypes import check_app_type, detect_app_type
from msc_tui.core.recipe import index_environment, render
from msc_tui.errors import UsageError


@pytest.mark.parametrize("code, task, expected", [
    ("import tkinter as tk\n", None, "gui_app"),
    ("from sklearn.ensemble import RandomForestClassifier\nimport tkinter", None, "gui_app"),
    ("import pandas as pd\n", None, "data_app"),
    ("from flask import Flask\n", None, "web_app"),
    ("print('hi')\n", None, "basic_app"),
    ("def broken(:\nimport numpy\n", None, "data_app"),  # regex fallback when the code does not parse
    (None, "a tkinter calculator", "gui_app"),
    (None, "train a classifier on this CSV", "data_app"),
    (None, "a Flask API", "web_app"),
    (None, "a Flask API for the user model", "web_app"),
    (None, "say hello", "basic_app"),
])
def test_detection(code, task, expected):
    assert detect_app_type(code, task) == expected


def test_unknown_app_type_is_a_usage_error():
    with pytest.raises(UsageError, match="spaceship"):
        check_app_type("spaceship")


def test_recipes_carry_their_system_packages_and_the_minimal_template():
    settings = Settings(base_image="python:3.11-slim")
    gui, data, web, basic = (render(t, settings) for t in ("gui_app", "data_app", "web_app", "basic_app"))
    assert "python3-tk" in gui.dockerfile and "python3-dev" in gui.dockerfile
    for package in ("gfortran", "libopenblas-dev", "liblapack-dev", "gcc", "g++"):
        assert package in data.dockerfile
    assert " curl" in web.dockerfile and "curl" not in basic.dockerfile
    for recipe in (gui, data, web, basic):
        text = recipe.dockerfile
        assert text.startswith("FROM python:3.11-slim\n")
        assert "USER appuser" in text and "WORKDIR /app" in text and "PYTHONUNBUFFERED=1" in text
        assert " uv" in text and recipe.has_uv
    assert gui.tag.startswith("msc-gui-") and data.tag.startswith("msc-data-")


def test_tag_follows_content_only():
    settings = Settings()
    assert render("web_app", settings).tag == render("web_app", settings).tag
    assert render("web_app", settings).tag != render("web_app", dataclasses.replace(settings, base_image="x")).tag
    assert render("web_app", settings).tag != render("web_app", dataclasses.replace(settings, installer="pip")).tag


def test_ca_bundle_goes_into_the_build_and_the_tag(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n")
    with_ca = render("basic_app", Settings(ca_bundle=str(bundle)))
    assert with_ca.context["msc-ca-bundle.pem"] == bundle.read_bytes()
    assert "SSL_CERT_FILE=" in with_ca.dockerfile and "PIP_CERT=" in with_ca.dockerfile
    bundle.write_text("other")
    assert render("basic_app", Settings(ca_bundle=str(bundle))).tag != with_ca.tag


def test_index_settings_become_installer_environment():
    env = index_environment(Settings(index_url="https://idx/simple", extra_index_urls=("https://a", "https://b"),
                                     wheelhouse="/w"))
    assert env["PIP_INDEX_URL"] == env["UV_INDEX_URL"] == "https://idx/simple"
    assert env["UV_EXTRA_INDEX_URL"] == "https://a https://b" and env["PIP_FIND_LINKS"] == "/wheelhouse"
    assert index_environment(Settings(index_url="none")) == {"PIP_NO_INDEX": "1", "UV_NO_INDEX": "1"}
    assert "PIP_INDEX_URL=https://idx/simple" in render("basic_app", Settings(index_url="https://idx/simple")).dockerfile


def test_offline_recipe_takes_nothing_from_an_index():
    offline = render("basic_app", Settings(index_url="none", wheelhouse="/w"))
    assert "pip install" not in offline.dockerfile and not offline.has_uv
    assert "python3 -m venv /opt/venv" in offline.dockerfile
