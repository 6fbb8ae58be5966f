; Inno Setup script for the Windows installer of the one-folder bundle.
; Build on Windows: `pyinstaller packaging\parley.spec` (from the repository
; root, with PARLEY_ROOT set to it), then `iscc /DVersion=<version> packaging\windows\parley.iss`.
#ifndef Version
  #define Version "0.1.0"
#endif

[Setup]
AppId={{6C2B7F0E-4C4B-4F4E-9B7A-2B7F3C1D9A11}
AppName=Parley
AppVersion={#Version}
AppPublisher=The Parley developers
DefaultDirName={autopf}\Parley
DefaultGroupName=Parley
UninstallDisplayIcon={app}\parley.exe
OutputDir=..\..\dist
OutputBaseFilename=Parley-{#Version}-setup
Compression=lzma2
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
WizardStyle=modern

[Files]
Source: "..\..\dist\parley\*"; DestDir: "{app}"; Flags: recursesubdirs ignoreversion

[Icons]
Name: "{group}\Parley"; Filename: "{app}\parley.exe"
Name: "{group}\Uninstall Parley"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Parley"; Filename: "{app}\parley.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\parley.exe"; Description: "Start Parley"; Flags: nowait postinstall skipifsilent
