"""`perfkit compare BASE NEW`: did a driver, firmware or build change make a configuration faster
or slower? Statistics (stats.py), what a side is (sides.py), the per-configuration verdicts
(verdicts.py), the HTML page (page.py) and the command (command.py)."""
