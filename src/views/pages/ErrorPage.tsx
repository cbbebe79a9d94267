type ErrorPageProps = { title: string; message: string; homePath: string };

/** A 4xx explained in words, with a way back. Never a stack trace. */
export function ErrorPage({ title, message, homePath }: ErrorPageProps) {
  return (
    <article class="card" role="alert">
      <h1 safe>{title}</h1>
      <p safe>{message}</p>
      <p>
        <a href={homePath}>Back to the start</a>
      </p>
    </article>
  );
}
