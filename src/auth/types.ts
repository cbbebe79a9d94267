export type RegistrationForm = { username: string; password: string; confirm: string };
export type PasswordChangeForm = { current_password: string; new_password: string; confirm: string };
/** A key to show for scanning or typing: its otpauth URI, and the key in groups of four. */
export type Enrollment = { uri: string; key: string; groupedKey: string };
