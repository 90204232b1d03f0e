/**
 * The slice of wx-server-sdk this function uses. The real SDK satisfies it; tests pass an in-memory
 * implementation through the same type. Shapes follow the wx-server-sdk server API reference:
 * https://developers.weixin.qq.com/miniprogram/dev/wxcloud/reference-server-api/
 */
export interface WxContext {
  OPENID?: string;
  APPID?: string;
  UNIONID?: string;
  ENV?: string;
  /** Who triggered this run, comma-joined along a call chain: wx_client, wx_http, scf, … */
  SOURCE?: string;
}

/** A value produced by db.command, understood only by the database that made it. */
export type DbCommand = unknown;

export interface Query {
  where(condition: Record<string, unknown>): Query;
  limit(count: number): Query;
  get(): Promise<{ data: Array<Record<string, unknown>> }>;
  /** Field names may be dotted paths into nested objects (`holds.abc`), as in the cloud database. */
  update(options: { data: Record<string, unknown> }): Promise<{ stats: { updated: number } }>;
  remove(): Promise<{ stats: { removed: number } }>;
}

export interface Collection extends Query {
  add(options: { data: Record<string, unknown> }): Promise<{ _id: string | number }>;
  doc(id: string): {
    update(options: { data: Record<string, unknown> }): Promise<{ stats: { updated: number } }>;
    remove(): Promise<{ stats: { removed: number } }>;
  };
}

export interface CloudDatabase {
  collection(name: string): Collection;
  command: {
    inc(amount: number): DbCommand;
    gt(value: number): DbCommand;
    lt(value: number): DbCommand;
    /** As an update value: deletes the field. */
    remove(): DbCommand;
  };
}

export interface SubscribeMessage {
  touser: string;
  templateId: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogramState?: 'developer' | 'trial' | 'formal';
  lang?: 'zh_CN' | 'en_US' | 'zh_HK' | 'zh_TW';
}

export interface CloudSdk {
  DYNAMIC_CURRENT_ENV: unknown;
  init(options: { env: unknown; timeout?: number }): void;
  getWXContext(): WxContext;
  database(): CloudDatabase;
  openapi: {
    subscribeMessage: {
      /**
       * Throws an error with errCode/errMsg when WeChat answers a non-zero errcode. WeChat's answer may carry a
       * `msgid` (not in the official doc), which the SDK hands over in its own shape (handlers/msg-id-of.ts).
       */
      send(message: SubscribeMessage): Promise<{ errCode?: number; errMsg?: string; msgid?: unknown }>;
    };
  };
}
