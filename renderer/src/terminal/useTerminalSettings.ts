import { useEffect, useState } from 'react';
import { request } from '../api';
import { defaultTerminalSettings, type TerminalSettings, type TerminalThemeName } from './themes';

function themeFor(appearance: 'system' | 'light' | 'dark'): TerminalThemeName {
  if (appearance !== 'system') return appearance;
  return window.matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

/** The terminal's look from the settings service, read when the view opens; defaults until then or if it is unavailable. */
export function useTerminalSettings(): TerminalSettings {
  const [settings, setSettings] = useState<TerminalSettings>(defaultTerminalSettings);
  useEffect(() => {
    let cancelled = false;
    request({ type: 'SettingsGet', data: {} })
      .then(({ values }) => {
        if (cancelled) return;
        setSettings({
          fontSize: values['terminal.fontSize'],
          scrollback: values['terminal.scrollback'],
          theme: themeFor(values['appearance.theme']),
        });
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, []);
  return settings;
}
