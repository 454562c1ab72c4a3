/**
 * `&`, `<` and `>` as entities: Telegram's HTML and Slack's mrkdwn both read them as markup (a tag, a link, a
 * mention such as `<!channel>`), so a site's name or a reason written with them would be taken for markup.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A URL as Discord links it on its own; a backslash inside one would become part of the link and break it. */
const BARE_URL = /(https?:\/\/[^\s<>]+)/;

/**
 * Discord reads a message's content as Markdown, so a site named `db_main_eu`, `*prod*` or `[login](https://…)`
 * would arrive in italics, bold or as a link the alert never meant. Each character that opens markup (and a heading,
 * quote or list marker at a line's start) gets the backslash Discord takes as "this character as it is"; bare URLs,
 * which Discord links before any other markup, are left whole.
 */
export function escapeDiscordMarkdown(text: string): string {
  return text
    .split(BARE_URL)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\*_~`|[\]<]/g, '\\$&').replace(/^([ \t]*)([#>-])/gm, '$1\\$2')))
    .join('');
}
