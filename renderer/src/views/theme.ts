import { useEffect } from 'react';
import type { Settings } from '../../../shared/contract/settings';
import { request } from '../api';

type Theme = Settings['appearance.theme'];

/** Puts the theme on the root element; storage-views.css maps it to the colour variables. */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
}

/** Applies the saved theme once the app is connected; the settings view applies changes itself. */
export function useSavedTheme(): void {
  useEffect(() => {
    const state = { live: true };
    void request({ type: 'SettingsGet', data: {} })
      .then(({ values }) => {
        if (state.live) applyTheme(values['appearance.theme']);
      })
      .catch(() => undefined);
    return () => {
      state.live = false;
    };
  }, []);
}
