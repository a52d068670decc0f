import pytest

from msc_tui.config import load_settings, seconds
from msc_tui.errors import ConfigError, UsageError


@pytest.fixture
def home(tmp_path, monkeypatch):
    for var in ("MSC_BASE_IMAGE", "MSC_CA_BUNDLE", "MSC_NETWORK", "MSC_INSTALLER", "DOCKER_HOST", "MSC_POOL_SIZE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MSC_HOME", str(tmp_path))
    return tmp_path


def test_defaults_then_file_then_environment(home, monkeypatch):
    assert load_settings().base_image == "python:3.11-slim"
    assert load_settings().state_dir == home and load_settings().config_file == home / "config.toml"
    (home / "config.toml").write_text('[image]\nbase = "from-file"\n[limits]\npids = 64\ncpus = 1\n'
                                      '[packages]\nextra_index_urls = ["https://a"]\n')
    settings = load_settings()
    assert (settings.base_image, settings.pids_limit, settings.cpus) == ("from-file", 64, 1.0)
    assert settings.extra_index_urls == ("https://a",)
    monkeypatch.setenv("MSC_BASE_IMAGE", "from-env")
    assert load_settings().base_image == "from-env"


def test_xdg_paths_without_msc_home(monkeypatch, tmp_path):
    monkeypatch.delenv("MSC_HOME", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "c"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "s"))
    settings = load_settings()
    assert settings.config_file == tmp_path / "c" / "msc" / "config.toml"
    assert settings.state_dir == tmp_path / "s" / "msc"


@pytest.mark.parametrize("text, message", [
    ('[limits]\nmemory = 5\n', "limits.memory must be a string, not 5"),
    ('[session]\nnetwork = "wide"\n', "session.network must be one of normal, install-only, none, not 'wide'"),
    ('[limits]\npids = -1\n', "limits.pids must not be negative"),
    ('[limits]\ncpus = nan\n', "limits.cpus must be a finite number, not nan"),
    ('[limits]\ncpus = 0.001\n', "limits.cpus must be 0 (all but one of the engine's) or at least 0.01"),
    ('[limits]\ndisk = "x"\n', "limits.disk must be a size such as 512m or 2g"),
    ('[limits]\nmemory = "lots"\n', "limits.memory must be a size such as 512m or 2g"),
    ('[limits]\npids = 0\n', "limits.pids must be at least 16"),
    ('[run]\ntimeout = inf\n', "run.timeout must be a finite number, not inf"),
    ('[run]\ntimeout = 1e300\n', "run.timeout must be at most 10000000 seconds"),
    ('[engine]\ncall_timeout = nan\n', "engine.call_timeout must be a finite number, not nan"),
    ('[engine]\nconnect_timeout = 0\n', "engine.connect_timeout must be more than 0 seconds"),
    ('[correction]\nanswers = "guess"\n', "correction.answers must be one of verified, bundled, not 'guess'"),
    ('[correction]\nanswers = true\n', "correction.answers must be a string, not True"),
    ('[pool]\nsize = 17\n', "pool.size must be at most 16 (0 turns the pool off), not 17"),
    ('[pool]\nsize = -1\n', "pool.size must not be negative"),
    ('[pool]\nsize = 1.5\n', "pool.size must be an integer, not 1.5"),
    ('[pool]\nidle = 0.5\n', "pool.idle must be between 1 and 10000000 seconds, not 0.5"),
    ('[pool]\nidle = nan\n', "pool.idle must be a finite number, not nan"),
    ('[nope]\nkey = 1\n', "unknown key nope.key"),
    ('this is not toml', "not valid TOML"),
])
def test_bad_values_name_the_key_and_the_file(home, text, message):
    (home / "config.toml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert message in str(caught.value) and str(home / "config.toml") in str(caught.value)


def test_sizes_and_durations_at_their_limits_are_taken(home):
    (home / "config.toml").write_text('[limits]\ncpus = 0.01\nmemory = "0"\ndisk = "1.5g"\npids = 16\n'
                                      '[run]\ntimeout = 0\n[engine]\ncall_timeout = 0\n')
    settings = load_settings()
    assert (settings.cpus, settings.memory, settings.disk, settings.pids_limit) == (0.01, "0", "1.5g", 16)
    assert (settings.run_timeout, settings.call_timeout) == (0.0, 0.0)


def test_correction_answers_default_to_verified_and_can_be_bundled_only(home):
    assert load_settings().correction_answers == "verified"
    (home / "config.toml").write_text('[correction]\nanswers = "bundled"\n')
    assert load_settings().correction_answers == "bundled"


@pytest.mark.parametrize("value", [None, 0, 2.5, 10_000_000])
def test_a_given_duration_within_range_is_kept(value):
    assert seconds(value, "timeout") == (None if value is None else float(value))


@pytest.mark.parametrize("value", [-1, float("nan"), float("inf"), 1e999, 1e8, "5", b"5", True, [5]])
def test_a_given_duration_out_of_range_or_not_a_number_is_a_usage_error(value):
    with pytest.raises(UsageError, match="^timeout must be"):
        seconds(value, "timeout")


def test_bad_environment_value_and_missing_ca_bundle(home, monkeypatch):
    monkeypatch.setenv("MSC_NETWORK", "wide")
    with pytest.raises(ConfigError, match="MSC_NETWORK"):
        load_settings()
    monkeypatch.delenv("MSC_NETWORK")
    monkeypatch.setenv("MSC_CA_BUNDLE", str(home / "absent.pem"))
    with pytest.raises(ConfigError, match="absent.pem"):
        load_settings()


def test_keys_table_remaps_bindings_by_id(home):
    (home / "config.toml").write_text('[keys]\n"main.run" = "ctrl+r"\n')
    assert dict(load_settings().keymap) == {"main.run": "ctrl+r"}
    (home / "config.toml").write_text('[keys]\n"main.run" = 5\n')
    with pytest.raises(ConfigError, match="keys"):
        load_settings()


def test_pool_size_and_idle_from_the_file_and_the_environment(home, monkeypatch):
    assert (load_settings().pool_size, load_settings().pool_idle) == (1, 600.0)
    (home / "config.toml").write_text('[pool]\nsize = 3\nidle = 60\n')
    assert (load_settings().pool_size, load_settings().pool_idle) == (3, 60.0)
    monkeypatch.setenv("MSC_POOL_SIZE", "0")
    assert load_settings().pool_size == 0
    for bad, message in (("two", "MSC_POOL_SIZE must be an integer, not 'two'"),
                         ("99", "MSC_POOL_SIZE: pool.size must be at most 16")):
        monkeypatch.setenv("MSC_POOL_SIZE", bad)
        with pytest.raises(ConfigError, match=message):
            load_settings()
