/** Saves text as a file through a Blob URL and a temporary <a download>. */
export function downloadText(fileName: string, text: string, mimeType: string): void {
  downloadBlob(fileName, new Blob([text], { type: mimeType }));
}

/** Saves bytes (a file whose encoding matters, such as a UTF-16 .reg file) the same way. */
export function downloadBytes(fileName: string, bytes: Uint8Array<ArrayBuffer>, mimeType: string): void {
  downloadBlob(fileName, new Blob([bytes], { type: mimeType }));
}

function downloadBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking right after click can cancel the download in some browsers; give it time to start.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
