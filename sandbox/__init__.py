"""Stateful sandbox of Capillary's Target group controller API, served from the bundled spec."""

import sys
from pathlib import Path

# Handlers use the generated pydantic models (generated/models). `make serve` puts that folder on
# PYTHONPATH; a plain `python -m sandbox` from the repository root finds it here too.
_MODELS = Path(__file__).resolve().parent.parent / "generated" / "models"
if str(_MODELS) not in sys.path:
    sys.path.append(str(_MODELS))
