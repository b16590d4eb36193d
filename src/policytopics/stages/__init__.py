"""One module per DVC stage: parse arguments, load, call pure functions, save."""
