; Included by electron-builder's NSIS installer (electron-builder.yml, nsis.include).
; Puts $INSTDIR\bin (which holds ctiprefs.cmd) on the machine-wide PATH, so that deployment scripts can call
; `ctiprefs`, and takes it off again on uninstall. Per-machine installs only (nsis.perMachine).
!include "WinMessages.nsh"
!include "StrFunc.nsh"
${StrStr}
${UnStrRep}

!define CTIPREFS_ENV_KEY "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"
; One less than the string buffer: a PATH this long may have been cut short on reading.
!define /math CTIPREFS_PATH_LIMIT ${NSIS_MAX_STRLEN} - 1

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
