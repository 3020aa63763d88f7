"""Files: atomic writes and user ``.npz`` archives opened with errors that name the file."""
