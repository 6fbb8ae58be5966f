"""Parley: a desktop voice assistant for realtime speech-to-speech models."""

__version__ = "0.1.0"
APP_NAME = "Parley"
APP_ID = "parley"
