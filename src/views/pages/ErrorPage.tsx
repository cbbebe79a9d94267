type ErrorPageProps = { title: string; message: string; homePath: string; wayOut?: { href: string; label: string } };

/** A refusal explained in words, with a way back, and another way in where there is one. Never a stack trace. */
export function ErrorPage({ title, message, homePath, wayOut }: ErrorPageProps) {
  return (
    <article class="card" role="alert">
      <h1 safe>{title}</h1>
      <p safe>{message}</p>
      {wayOut ? (
        <p>
          <a href={wayOut.href} safe>
            {wayOut.label}
          </a>
        </p>
      ) : (
        ""
      )}
      <p>
        <a href={homePath}>Back to the start</a>
      </p>
    </article>
  );
}
