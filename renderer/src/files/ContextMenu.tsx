import { useEffect, useRef, type KeyboardEvent } from 'react';

export interface MenuAction {
  readonly id: string;
  readonly label: string;
}

/** A WAI-ARIA menu at a point: arrow keys move, Enter picks, Escape or a click elsewhere closes. */
export function ContextMenu({
  label,
  actions,
  at,
  onPick,
  onClose,
}: {
  label: string;
  actions: readonly MenuAction[];
  at: { x: number; y: number };
  readonly onPick: (id: string) => void;
  readonly onClose: () => void;
}) {
  const menu = useRef<HTMLUListElement>(null);

  useEffect(() => {
    menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const away = (event: PointerEvent) => {
      if (!menu.current?.contains(event.target as Node)) onClose();
    };
    window.addEventListener('pointerdown', away);
    return () => window.removeEventListener('pointerdown', away);
  }, [onClose]);

  const onKeyDown = (event: KeyboardEvent) => {
    const items = [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'ArrowDown') items[(index + 1) % items.length]?.focus();
    else if (event.key === 'ArrowUp') items[(index - 1 + items.length) % items.length]?.focus();
    else if (event.key === 'Escape' || event.key === 'Tab') onClose();
    else return;
    event.preventDefault();
  };

  return (
    <ul
      ref={menu}
      className="context-menu"
      role="menu"
      aria-label={label}
      style={{ left: at.x, top: at.y }}
      onKeyDown={onKeyDown}
    >
      {actions.map((action) => (
        <li key={action.id} role="none">
          <button type="button" role="menuitem" tabIndex={-1} onClick={() => onPick(action.id)}>
            {action.label}
          </button>
        </li>
      ))}
    </ul>
  );
}
