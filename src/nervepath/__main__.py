"""``python -m nervepath`` runs the command line."""

from nervepath.cli import main

main()
