"""The layers (README, "How it is built"): each part of kg imports only the parts below it.

The contracts are import-linter's, in pyproject.toml (``[tool.importlinter]``); these
tests run them, so an import that breaks a layer fails the suite, and check what
import-linter leaves to us: that every module of the product is in some layer.
"""

import subprocess
import sys
import tomllib

from kg.settings import REPO_ROOT

CONFIG = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; " \
               "sys.exit(lint_imports_command())"


def _contract(contract_id):
    return next(c for c in CONFIG["contracts"] if c["id"] == contract_id)


def test_every_import_follows_the_layers_and_the_cli_never_imports_the_http_app():
    result = subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--config", "pyproject.toml"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_every_module_of_the_product_is_in_a_layer():
    """A module outside every layer would be free to import anything."""
    layers = [name.strip() for line in _contract("layers")["layers"]
              for name in line.replace("|", ":").split(":")]
    modules = []
    for package in CONFIG["root_packages"]:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            parts = path.relative_to(REPO_ROOT).with_suffix("").parts
            modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    outside = [m for m in modules
               if not any(m == layer or m.startswith(layer + ".") for layer in layers)]
    assert outside == ["kg"]  # the package of the top and the store layers: a docstring


def test_the_cli_and_the_api_are_the_top_and_the_shared_utilities_the_bottom():
    layers = _contract("layers")["layers"]
    assert layers[0].split(":")[0].strip() == "kg.cli"
    assert layers[1] == "api" and layers[2] == "service"
    assert layers[-2:] == ["ingest", "common"]
