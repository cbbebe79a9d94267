type RememberBoxProps = {
  /** How long "don't ask again" trusts this browser. */
  days: number;
  checked?: boolean;
  /** Given where a page has two second-step forms, so each box has its own id. */
  id?: string;
};

/** "Don't ask again on this browser": any second factor may tick it. */
export function RememberBox({ days, checked = false, id }: RememberBoxProps) {
  return (
    <label>
      <input type="checkbox" name="remember" id={id} checked={checked} />
      <span safe>{` Don't ask for a second step on this browser for ${days} days`}</span>
    </label>
  );
}
