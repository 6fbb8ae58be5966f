# The stock hook asks for the metadata of "webrtcvad"; Parley installs the
# "webrtcvad-wheels" distribution of the same module.
from PyInstaller.utils.hooks import copy_metadata

datas = copy_metadata("webrtcvad-wheels")
