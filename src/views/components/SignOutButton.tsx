import type { AuthPaths } from "../../paths";
import { PostForm } from "./PostForm";

type SignOutButtonProps = { paths: AuthPaths; csrfToken: string; label?: string };

export function SignOutButton({ paths, csrfToken, label = "Sign out" }: SignOutButtonProps) {
  return (
    <PostForm action={paths.logout} csrfToken={csrfToken} class="sign-out">
      <button type="submit" class="secondary outline" safe>
        {label}
      </button>
    </PostForm>
  );
}
