type ErrorPageProps = { title: string; message: string };

/** A 4xx explained in words, with a way back. Never a stack trace. */
export function ErrorPage({ title, message }: ErrorPageProps) {
  return (
    <article class="card" role="alert">
      <h1 safe>{title}</h1>
      <p safe>{message}</p>
      <p>
        <a href="/">Back to the start</a>
      </p>
    </article>
  );
}
