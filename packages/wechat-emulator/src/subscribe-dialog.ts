import type { TemplateDefinition } from './subscribe-gate.js';

export type DialogAnswer = 'accept' | 'reject';
export type TemplateResult = DialogAnswer | 'filter';

/** What wx.requestSubscribeMessage's success callback gets, and whether the user saw a dialog. */
export interface SubscribeRequestOutcome {
  dialogShown: boolean;
  results: Record<string, TemplateResult>;
}

/** wx.getSetting({withSubscriptions: true}).subscriptionsSetting: itemSettings holds only the templates kept "always". */
export interface SubscriptionsSetting {
  mainSwitch: boolean;
  itemSettings: Record<string, DialogAnswer>;
}

/**
 * The phone's side of wx.requestSubscribeMessage, as WeChat documents it: a dialog for the templates asked for (one per
 * title: a second template of the same title is `filter`ed), answered by the user, who may tick "总是保持以上选择，不再询问";
 * once every template asked for is kept that way, later calls show no dialog and answer the kept choice, each kept
 * accept still allowing one message. Whether WeChat pushes subscribe_msg_popup_event for such a silent acceptance is not
 * documented: `pushSilent` decides, and tests run both. Source: developers.weixin.qq.com
 * miniprogram/dev/api/open-api/subscribe-message/wx.requestSubscribeMessage.html and .../setting/wx.getSetting.html.
 */
export function createSubscribeDialog(options: {
  templates: readonly TemplateDefinition[];
  accept(openid: string, templateId: string): void;
  pushPopup(openid: string, results: Array<[string, DialogAnswer]>): void;
  pushSilent: () => boolean;
}) {
  const kept = new Map<string, Map<string, DialogAnswer>>();
  const keptOf = (openid: string) => kept.get(openid) ?? new Map<string, DialogAnswer>();

  function titled(templateIds: readonly string[]): Record<string, TemplateResult | undefined> {
    const titles = new Set<string>();
    const shown: Record<string, TemplateResult | undefined> = {};
    for (const templateId of templateIds) {
      const title = options.templates.find((template) => template.id === templateId)?.title ?? templateId;
      shown[templateId] = titles.has(title) ? 'filter' : undefined;
      titles.add(title);
    }
    return shown;
  }

  function count(openid: string, results: Record<string, TemplateResult>, push: boolean): void {
    const answered = Object.entries(results).filter((entry): entry is [string, DialogAnswer] => entry[1] !== 'filter');
    for (const [templateId, result] of answered) if (result === 'accept') options.accept(openid, templateId);
    if (push && answered.length > 0) options.pushPopup(openid, answered);
  }

  return {
    /** One dialog answered per template (the answers for templates filtered by title are ignored); `keep` ticks the box. */
    answerDialog(openid: string, answers: Record<string, DialogAnswer>, keep = false): Record<string, TemplateResult> {
      const shown = titled(Object.keys(answers));
      const results = Object.fromEntries(Object.entries(answers).map(([templateId, answer]) => [templateId, shown[templateId] ?? answer])) as Record<string, TemplateResult>;
      if (keep) {
        const settings = keptOf(openid);
        for (const [templateId, result] of Object.entries(results)) if (result !== 'filter') settings.set(templateId, result);
        kept.set(openid, settings);
      }
      count(openid, results, true);
      return results;
    },

    /** wx.requestSubscribeMessage from a tap: silent when every template asked for is kept, else the user's dialog. */
    request(openid: string, templateIds: readonly string[], answer: DialogAnswer, keep: boolean): SubscribeRequestOutcome {
      const settings = keptOf(openid);
      if (templateIds.every((templateId) => settings.has(templateId))) {
        const results = Object.fromEntries(templateIds.map((templateId) => [templateId, settings.get(templateId) as DialogAnswer]));
        count(openid, results, options.pushSilent());
        return { dialogShown: false, results };
      }
      return { dialogShown: true, results: this.answerDialog(openid, Object.fromEntries(templateIds.map((templateId) => [templateId, answer])), keep) };
    },

    /** Turning a template off in the service-notification settings also ends a kept accept. */
    turnOff(openid: string, templateId: string): void {
      const settings = kept.get(openid);
      if (settings?.has(templateId)) settings.set(templateId, 'reject');
    },

    settings(openid: string): SubscriptionsSetting {
      return { mainSwitch: true, itemSettings: Object.fromEntries(keptOf(openid)) };
    },
  };
}

export type SubscribeDialog = ReturnType<typeof createSubscribeDialog>;
