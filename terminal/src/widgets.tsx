import { useEffect, useState } from 'react';

/** A problem the cashier must read (from the hub's problem+json detail). */
export function Notice({ text }: { text: string }) {
  if (!text) return null;
  return (
    <p className="notice" role="alert" data-testid="notice">
      {text}
    </p>
  );
}

/** A PIN pad: taps or the keyboard (digits, Enter, Backspace). */
export function PinPad({ onPin, label }: { onPin: (pin: string) => void; label: string }) {
  const [pin, setPin] = useState('');
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (/^[0-9]$/.test(e.key)) setPin((p) => (p.length < 8 ? p + e.key : p));
      else if (e.key === 'Backspace') setPin((p) => p.slice(0, -1));
      else if (e.key === 'Enter') {
        setPin((p) => {
          if (p) onPin(p);
          return '';
        });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onPin]);
  const press = (key: string) => {
    if (key === 'C') setPin('');
    else if (key === 'OK') {
      if (pin) onPin(pin);
      setPin('');
    } else if (pin.length < 8) setPin(pin + key);
  };
  return (
    <fieldset className="pinpad" aria-label={label}>
      <div className="pin-dots" data-testid="pin-dots">
        {'•'.repeat(pin.length) || ' '}
      </div>
      <div className="keys">
        {['1', '2', '3', '4', '5', '6', '7', '8', '9', 'C', '0', 'OK'].map((k) => (
          <button
            type="button"
            key={k}
            data-pin-key={k}
            className={k === 'OK' ? 'pin-key primary' : 'pin-key'}
            onClick={() => press(k)}
          >
            {k}
          </button>
        ))}
      </div>
    </fieldset>
  );
}

/** Ask for a manager's PIN on the spot (voids, refunds, big discounts, offline over the cap). */
export function ManagerPin({
  what,
  onPin,
  onCancel,
}: {
  what: string;
  onPin: (pin: string) => void;
  onCancel: () => void;
}) {
  return (
    <div className="dialog-backdrop top">
      <div className="dialog" role="dialog" aria-label="Manager approval" data-testid="manager-pin">
        <h2>{what}</h2>
        <p>Manager PIN</p>
        <PinPad label="Manager PIN" onPin={onPin} />
        <div className="dialog-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}

/** Pick one of a few answers with big buttons (a void's reason, a discount). */
export function Choice({
  title,
  options,
  onChoose,
  onCancel,
}: {
  title: string;
  options: string[];
  onChoose: (option: string) => void;
  onCancel: () => void;
}) {
  return (
    <div className="dialog-backdrop top">
      <div className="dialog" role="dialog" aria-label={title} data-testid="choice">
        <h2>{title}</h2>
        <div className="choices">
          {options.map((o) => (
            <button type="button" key={o} data-choice={o} onClick={() => onChoose(o)}>
              {o}
            </button>
          ))}
        </div>
        <div className="dialog-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
