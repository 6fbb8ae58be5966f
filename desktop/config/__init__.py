"""Configuration: the settings model, its file, API keys, logging and the command line."""
