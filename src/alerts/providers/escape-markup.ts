/**
 * `&`, `<` and `>` as entities: Telegram's HTML and Slack's mrkdwn both read them as markup (a tag, a link, a
 * mention such as `<!channel>`), so a site's name or a reason written with them would be taken for markup.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
