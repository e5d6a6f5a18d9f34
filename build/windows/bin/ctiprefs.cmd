@echo off
rem The ctiprefs command on Windows: runs the installed app in command-line mode. A batch file waits for
rem the program it starts and passes its exit code on, which scripts and deployment tools rely on.
"%~dp0..\ctiprefs.exe" %*
exit /b %ERRORLEVEL%
