/** Light, dark, or follow the system; remembered across starts, applied as data-theme on <html>. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const STORAGE_KEY = 'ctiprefs-theme';
const ORDER: readonly ThemeChoice[] = ['system', 'light', 'dark'];

export function storedTheme(): ThemeChoice {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(choice: ThemeChoice): void {
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  try {
    localStorage.setItem(STORAGE_KEY, choice);
  } catch {
    // Storage can be unavailable (private mode, file:// quirks); the choice then lasts this session.
  }
}

export function applyStoredTheme(): ThemeChoice {
  const choice = storedTheme();
  applyTheme(choice);
  return choice;
}

export function nextTheme(choice: ThemeChoice): ThemeChoice {
  return ORDER[(ORDER.indexOf(choice) + 1) % ORDER.length] ?? 'system';
}
