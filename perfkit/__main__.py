from perfkit.cli import console

console()
