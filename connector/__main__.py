"""`python -m connector` runs the command line, so it works without the console script on PATH."""

from connector.cli import main

main()
