"""Fixtures shared by several test files."""
import pytest


@pytest.fixture(scope="session")
def surrogate_cache(tmp_path_factory):
    """An accel-dse cache directory holding the bundled asap7 surrogates, trained once per test session
    (~20–60 s). Tests point ``ACCEL_DSE_CACHE`` at it with ``monkeypatch.setenv``."""
    from dse.surrogate_cache import CACHE_ENV, cached_surrogates

    root = tmp_path_factory.mktemp("accel_dse_cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(root))
        cached_surrogates("asap7")
    return root
