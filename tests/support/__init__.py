"""Helpers the tests share (fabricated records, the CLI in a subprocess, a headless browser, a
scratch suite project). Not tests: nothing here is collected, and no test module imports
another test module."""
