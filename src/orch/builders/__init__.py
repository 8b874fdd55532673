"""Package builders: how the project becomes something an env installs (sdist, wheel, editable...)."""
