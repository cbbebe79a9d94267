import { SignOutButton } from "../components/SignOutButton";

export function HomePage({ csrfToken, username }: { csrfToken: string; username: string }) {
  return (
    <article class="card">
      <h1 safe>{`Welcome, ${username}!`}</h1>
      <p>You are signed in with your password and a code from your authenticator app.</p>
      <SignOutButton csrfToken={csrfToken} />
    </article>
  );
}
