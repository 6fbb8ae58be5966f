"""The conversation: the controller the window talks to, what server events mean,
the turns, the transcript, tools, usage and the recording."""
