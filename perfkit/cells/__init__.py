"""What the notebooks call: ``benchmark`` for the benchmark notebooks, ``summary`` for
notebooks/summary.ipynb. Runs inside the notebook kernel; cells hold no logic of their own."""
