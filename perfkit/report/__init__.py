"""Tables, plots and HTML for results: what the notebooks display and what gets published."""
