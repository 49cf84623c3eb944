import { useEffect, useRef, type ReactNode } from 'react';

/** A modal dialog using the platform's <dialog>, which traps focus and closes on Escape. */
export function Dialog({
  label,
  children,
  onClose,
  wide,
}: {
  label: string;
  children: ReactNode;
  readonly onClose: () => void;
  wide?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  return (
    <dialog
      ref={dialog}
      className={wide ? 'files-dialog wide' : 'files-dialog'}
      aria-label={label}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {children}
    </dialog>
  );
}
