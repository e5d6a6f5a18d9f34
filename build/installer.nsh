; Included by electron-builder's NSIS installer (electron-builder.yml, nsis.include).
; Puts $INSTDIR\bin (which holds ctiprefs.cmd) on the machine-wide PATH, so that deployment scripts can call
; `ctiprefs`, and takes it off again on uninstall. Locks the machine-wide preset folder and copies the
; preset a silent install carries (/PRESET=FILE) into it. Per-machine installs only (nsis.perMachine).
!include "WinMessages.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "StrFunc.nsh"
${StrStr}
${UnStrRep}

!define CTIPREFS_ENV_KEY "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"
; One less than the string buffer: a PATH this long may have been cut short on reading.
!define /math CTIPREFS_PATH_LIMIT ${NSIS_MAX_STRLEN} - 1

; The machine-wide preset folder electron/core/preset.ts reads. %ProgramData% lets every user create
; folders, so a user could make this one first and plant a preset.json with their own servers and CTL
; signer. Whatever is there, the folder becomes the Administrators' (takeown /A forces it), its ACEs are
; dropped (icacls /reset) and replaced: SYSTEM and Administrators full control, Users read and execute,
; nothing inherited. SIDs, not names (names are localised); /L changes a link itself, never its target.
; The app refuses a preset folder or file that anyone else owns or can change (electron/core/windows-acl.ts).
!define CTIPREFS_PRESET_GRANTS "/inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX"
!define CTIPREFS_PRESET_OPTION "/PRESET="

; Leaves $3 = the preset folder, $4 = "1" when it is locked.
!macro ctiprefsLockPresetFolder
  ReadEnvStr $3 "ProgramData"
  ${If} $3 == ""
    StrCpy $3 "C:\ProgramData"
  ${EndIf}
  StrCpy $3 "$3\ctiprefs"
  ; A link where the folder belongs is removed, not followed (RMDir without /r removes the link only); so
  ; is a file.
  ${GetFileAttributes} "$3" "REPARSE_POINT" $4
  ${If} $4 == "1"
    RMDir "$3"
  ${EndIf}
  ${GetFileAttributes} "$3" "DIRECTORY" $4
  ${If} $4 == "0"
    Delete "$3"
  ${EndIf}
  CreateDirectory "$3"
  ; takeown follows links: a folder swapped for one since the check above is not taken, and not locked.
  ${GetFileAttributes} "$3" "REPARSE_POINT" $7
  ${If} $7 == "1"
    StrCpy $4 "link"
    StrCpy $5 "-"
    StrCpy $6 "-"
  ${Else}
    nsExec::ExecToLog '"$SYSDIR\takeown.exe" /F "$3" /A'
    Pop $4
    nsExec::ExecToLog '"$SYSDIR\icacls.exe" "$3" /reset /L /Q'
    Pop $5
    nsExec::ExecToLog '"$SYSDIR\icacls.exe" "$3" ${CTIPREFS_PRESET_GRANTS} /L /Q'
    Pop $6
    ; Locked means no one else can swap the folder for a link from now on: check once more.
    ${GetFileAttributes} "$3" "REPARSE_POINT" $7
  ${EndIf}
  ${If} "$4$5$6" == "000"
  ${AndIf} $7 == "0"
    StrCpy $4 "1"
  ${Else}
    DetailPrint "The preset folder $3 could not be locked (takeown $4, icacls $5 and $6); run as administrator: takeown /F $\"$3$\" /A && icacls $\"$3$\" /reset && icacls $\"$3$\" ${CTIPREFS_PRESET_GRANTS}"
    StrCpy $4 "0"
    SetErrorLevel 2
  ${EndIf}
!macroend

; /PRESET=FILE (a full path): copied as $3\preset.json once the folder is locked, replacing any file there
; (deleted first, so the copy is a new file with the folder's ACL and the Administrators as owner).
!macro ctiprefsCopyPreset
  ${GetParameters} $5
  ClearErrors
  ${GetOptions} $5 "${CTIPREFS_PRESET_OPTION}" $6
  ${IfNot} ${Errors}
    ${If} $4 != "1"
      DetailPrint "The preset $6 was not copied: its folder $3 is not locked."
      SetErrorLevel 2
    ${ElseIfNot} ${FileExists} "$6"
      DetailPrint "The preset $6 was not copied: there is no such file."
      SetErrorLevel 2
    ${Else}
      Delete "$3\preset.json"
      ClearErrors
      CopyFiles /SILENT "$6" "$3\preset.json"
      ${If} ${Errors}
        DetailPrint "The preset $6 could not be copied to $3\preset.json."
        SetErrorLevel 2
      ${EndIf}
    ${EndIf}
  ${EndIf}
!macroend

!macro customInstall
  ClearErrors
  ReadRegStr $0 HKLM "${CTIPREFS_ENV_KEY}" "Path"
  ; NSIS strings are at most NSIS_MAX_STRLEN long: a longer PATH would come back cut short or empty, and
  ; writing it back would destroy it. Leave such a PATH alone and say so.
  IfErrors pathTooLong
  StrLen $1 $0
  IntCmp $1 ${CTIPREFS_PATH_LIMIT} pathTooLong 0 pathTooLong
  ${StrStr} $2 "$0;" "$INSTDIR\bin;"
  StrCmp $2 "" 0 pathDone
  WriteRegExpandStr HKLM "${CTIPREFS_ENV_KEY}" "Path" "$0;$INSTDIR\bin"
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
  Goto pathDone
  pathTooLong:
  DetailPrint "PATH could not be changed safely; add $INSTDIR\bin to it to use the ctiprefs command."
  pathDone:
  !insertmacro ctiprefsLockPresetFolder
  !insertmacro ctiprefsCopyPreset
!macroend

!macro customUnInstall
  ClearErrors
  ReadRegStr $0 HKLM "${CTIPREFS_ENV_KEY}" "Path"
  IfErrors unpathDone
  StrLen $1 $0
  IntCmp $1 ${CTIPREFS_PATH_LIMIT} unpathDone 0 unpathDone
  ${UnStrRep} $0 $0 ";$INSTDIR\bin" ""
  WriteRegExpandStr HKLM "${CTIPREFS_ENV_KEY}" "Path" "$0"
  SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
  unpathDone:
!macroend
