/** Saves text as a file through a Blob URL and a temporary <a download>. */
export function downloadText(fileName: string, text: string, mimeType: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mimeType }));
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
