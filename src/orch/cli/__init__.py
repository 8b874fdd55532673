"""The command-line front: parse arguments, run the stages, print, exit."""
