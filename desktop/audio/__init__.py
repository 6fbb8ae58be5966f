"""The app's side of the audio engine: the typed port the conversation uses, and
the Audio panel's checks. Devices themselves are the engine's (audio_engine/)."""
