import pytest

from tests.integration.api_harness import Harness, build_harness


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    """One app per test module (each module's documents and users are its own)."""
    return build_harness(tmp_path_factory.mktemp("api"))
