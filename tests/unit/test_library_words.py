"""What failed runs say they miss in words, read and mapped (messages quoted from the libraries)."""

from msc_tui.core.correction import code_imports
from msc_tui.core.imports import analyze
from msc_tui.core.library_words import Said, library_needs

PANDAS_PARQUET = """Traceback (most recent call last):
  File "/app/main.py", line 3, in <module>
    df.to_parquet("out.parquet")
ImportError: Unable to find a usable engine; tried using: 'pyarrow', 'fastparquet'.
A suitable version of pyarrow or fastparquet is required for parquet support.
Trying to import the above resulted in these errors:
 - Missing optional dependency 'pyarrow'. pyarrow is required for parquet support. Use pip or conda to install pyarrow.
 - Missing optional dependency 'fastparquet'. fastparquet is required for parquet support. Use pip or conda to \
install fastparquet.
"""
PANDAS_HDF = "ImportError: Missing optional dependency 'pytables'.  Use pip or conda to install pytables.\n"
# pandas 3.1.1's own words (captured from a real run), with no chained traceback
PANDAS3_PARQUET = (
    "ImportError: Unable to find a usable engine; tried using: 'pyarrow', 'fastparquet'.\nA suitable version of "
    "pyarrow or fastparquet is required for parquet support.\nTrying to import the above resulted in these "
    "errors:\n - `Import pyarrow` failed. pyarrow is required for parquet support. Use pip, conda, or your "
    "preferred package management tool to install the pyarrow package.\n - `Import fastparquet` failed. "
    "fastparquet is required for parquet support. Use pip, conda, or your preferred package management tool to "
    "install the fastparquet package.\n")
PANDAS3_HDF = ("ImportError: `Import pytables` failed.  Use pip, conda, or your preferred package management tool "
               "to install the pytables package.\n")
DASK = """ImportError: No module named 'toolz'

Dask array requirements are not installed.

Please either conda or pip install as follows:

  conda install dask                 # either conda install
  python -m pip install "dask[array]" --upgrade  # or python -m pip install
"""
SQLALCHEMY = "ValueError: the greenlet library is required to use this function. No module named 'greenlet'\n"


def test_engines_tried_are_alternatives_and_one_is_installed():
    assert library_needs(PANDAS_PARQUET) == [Said("pyarrow", alternatives=("pyarrow", "fastparquet"))]
    for words in (PANDAS_PARQUET, PANDAS3_PARQUET):
        result = analyze(words)
        assert result.distributions == ["pyarrow"] and result.provides == {"pyarrow": "pyarrow"}


def test_a_library_name_that_is_neither_module_nor_distribution_is_translated():
    for words in (PANDAS_HDF, PANDAS3_HDF):  # pandas says "pytables"; the distribution and the module are `tables`
        result = analyze(words)
        assert result.distributions == ["tables"] and result.provides == {"tables": "tables"}


def test_extras_are_installed_as_extras_and_checked_by_what_they_bring():
    dask = analyze(DASK)
    assert dask.distributions == ["toolz", "dask[array]"] and dask.provides["dask[array]"] == "dask"
    sqlalchemy = analyze(SQLALCHEMY)
    assert sqlalchemy.distributions == ["sqlalchemy[asyncio]"] and sqlalchemy.provides == {
        "sqlalchemy[asyncio]": "greenlet"}


def test_a_script_that_catches_its_own_import_error_and_says_pip_install():
    assert analyze("numpy is needed for this tool: pip install numpy\n").distributions == ["numpy"]
    assert analyze("Run `pip3 install -U PyYAML requests` first.").distributions == ["pyyaml", "requests"]


def test_words_never_install_what_an_import_could_not():
    for text in ("Please either conda or pip install as follows:",  # prose after pip install
                 "pip install -r requirements.txt", "pip install -e .", "pip install reqeusts",
                 "pip install utils", "pip install some-unknown-thing-xyz", "pip install json",
                 "ValueError: Missing optional dependency 'made_up_thing'"):
        result = analyze(text)
        assert result.distributions == [] and result.unknown == [], text


def test_stdlib_only_scripts_ask_for_nothing():
    fallbacks = ("try:\n    from StringIO import StringIO\nexcept ImportError:\n    from io import StringIO\n"
                 "try:\n    import simplejson as json\nexcept ImportError:\n    import json\n")
    assert code_imports([fallbacks]) == ["io", "json"]
    result = analyze("", modules=["enum", "tomllib", "io", "json", "StringIO"])
    assert result.distributions == [] and result.unknown == []
    assert "StringIO is Python 2's standard library (Python 3: io)" in result.hints
