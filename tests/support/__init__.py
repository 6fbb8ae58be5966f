"""What tests and benchmarks share: sound cards, speech files, scripted servers, waits.

Plain modules, imported as ``tests.support.<module>``; fixtures stay in the
conftest files, which import from here (never the other way round).
"""
