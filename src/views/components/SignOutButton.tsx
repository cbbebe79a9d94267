import { PostForm } from "./PostForm";

export function SignOutButton({ csrfToken, label = "Sign out" }: { csrfToken: string; label?: string }) {
  return (
    <PostForm action="/logout" csrfToken={csrfToken} class="sign-out">
      <button type="submit" class="secondary outline" safe>
        {label}
      </button>
    </PostForm>
  );
}
