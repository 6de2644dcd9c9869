"""`python -m bench`: run every bench/bench_*.py in name order, each as its own process."""

import subprocess
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
failed = 0
for script in sorted(here.glob("bench_*.py")):
    print(f"==> {script.name}", flush=True)
    failed |= subprocess.call([sys.executable, str(script), *sys.argv[1:]]) != 0
sys.exit(1 if failed else 0)
