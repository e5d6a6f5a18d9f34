/** Security descriptors as `(Get-Acl -LiteralPath X).Sddl` prints them on Windows 10/11, for the Windows ACL tests. */

/** An ordinary local user. */
export const USER_SID = 'S-1-5-21-1004336348-1177238915-682003330-1001';
/** That user's primary group ("None" on a workgroup PC). */
const USER_GROUP_SID = 'S-1-5-21-1004336348-1177238915-682003330-513';
export const TRUSTED_INSTALLER_SID = 'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464';
/** C:\ProgramData itself (Windows 10/11, Server 2025). */
export const PROGRAM_DATA = 'O:SYG:SYD:PAI(A;OICIIO;GA;;;CO)(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)(A;CI;DCLCRPCR;;;BU)';
/**
 * %ProgramData%\ctiprefs made by that user: theirs (Creator Owner's inherited ACE became theirs), and Users
 * may add files through the inherited (CI) ACE of %ProgramData%.
 */
export const USER_MADE_FOLDER = `O:${USER_SID}G:${USER_GROUP_SID}D:AI(A;ID;FA;;;${USER_SID})(A;OICIIOID;GA;;;CO)(A;OICIID;FA;;;SY)(A;OICIID;FA;;;BA)(A;OICIID;0x1200a9;;;BU)(A;CIID;DCLCRPCR;;;BU)`;
/** The folder the installers make: owned by Administrators, inheritance cut, Users read and execute. */
export const LOCKED_FOLDER = 'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)';
/** preset.json copied into the locked folder by an elevated administrator: inherited ACEs only. */
export const ADMIN_FILE = 'O:BAG:SYD:AI(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;0x1200a9;;;BU)';
/** preset.json the user wrote in their own folder: theirs, with full control. */
export const USER_FILE = `O:${USER_SID}G:${USER_GROUP_SID}D:AI(A;ID;FA;;;${USER_SID})(A;ID;FA;;;SY)(A;ID;FA;;;BA)(A;ID;0x1200a9;;;BU)`;
