"""Files perfkit reads, treated as hostile: bounded text reads (regular files only, a size cap,
strict UTF-8 with file:line in errors). Used on every side of the notebook boundary; imports
nothing of perfkit but its errors."""
