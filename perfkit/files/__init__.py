"""Files perfkit reads, treated as hostile: bounded text reads (regular files only, a size cap,
strict UTF-8 with file:line in errors); and files perfkit writes inside its own trees: no link
followed, no special file replaced, only what a manifest proves perfkit wrote deleted. Used on
every side of the notebook boundary; imports nothing of perfkit but its errors."""
