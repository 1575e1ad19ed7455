// A peer client for the simulator's Enhanced Chat API: the request shapes, stream reading and event
// handling of Salesforce's own sample client, Salesforce-Async-Messaging/messaging-web-api-sample-app
// at commit 1782a9fe33b2ef315fc0e26b1588ac5956e72c12 (read from its repository; written anew here,
// since that repository has no licence: no code of it is copied). Each piece names the file and
// function it reproduces. It runs in the page (a plain script, no modules) and exposes
// `window.sampleClient`; `tests/e2e/sample_client.test.mjs` drives it.
//
// Like the sample, it keeps its facts (token, org, deployment, URL, conversation id, last event id)
// in web storage, so a reload resumes with the continuation token (webstorageUtils.js keeps them in
// sessionStorage under MESSAGING_SAMPLE_APP_WEB_STORAGE_<orgId>).
(function () {
  'use strict';

  // src/helpers/constants.js: APP_CONSTANTS, MESSAGING_API_CONSTANTS, SUPPORTED_ENTRY_TYPES, EventTypes.
  const APP_CAPABILITIES_VERSION = '1';
  const APP_PLATFORM = 'Web';
  const LIST_CONVERSATION_API_NUM_CONVERSATIONS_LIMIT = 20;
  const LIST_CONVERSATION_ENTRIES_API_ENTRIES_LIMIT = 50;
  const ENTRY_TYPES = ['Message', 'ParticipantChanged', 'RoutingResult', 'DeliveryAcknowledgement',
    'ReadAcknowledgement', 'TypingStartedIndicator', 'TypingStoppedIndicator'];
  // An array interpolated into a URL: "Message,ParticipantChanged,RoutingResult".
  const SUPPORTED_ENTRY_TYPES = ['Message', 'ParticipantChanged', 'RoutingResult'];
  const STORAGE_KEY = 'MESSAGING_SAMPLE_APP_WEB_STORAGE_';

  const store = {
    key: null,
    read(orgId) {
      this.key = STORAGE_KEY + orgId;
      return JSON.parse(sessionStorage.getItem(this.key) || '{}');
    },
    write(facts) { sessionStorage.setItem(this.key, JSON.stringify(facts)); },
  };

  /** What the test reads: everything the handlers saw. */
  const seen = {
    token: null, continuation: null, list: null, history: [], entries: [], typing: [], acks: [],
    closed: [], errors: [], streamOpens: 0, streamErrors: [],
  };
  let facts = {};
  let eventSource = null;

  // src/services/messagingService.js: sendFetchRequest(apiPath, method, mode, requestHeaders,
  // requestBody): JSON headers and the bearer token unless headers are given; a failed answer is
  // thrown as the Response with the JSON error body's fields assigned onto it.
  async function sendFetchRequest(apiPath, method, mode, requestHeaders, requestBody) {
    const jwt = facts.jwt;
    const headers = requestHeaders || {
      'Content-Type': 'application/json',
      ...(jwt && { Authorization: 'Bearer ' + jwt }),
    };
    const body = requestBody ? JSON.stringify(requestBody) : undefined;
    const response = await fetch(apiPath, { method, mode, headers, ...(body && { body }) });
    if (!response.ok) {
      let detail;
      try { detail = await response.json(); } catch { detail = { message: 'Error reading the body stream of error object' }; }
      throw Object.assign(new Error(detail.message), { status: response.status, body: detail });
    }
    return response;
  }

  // messagingService.js: getUnauthenticatedAccessToken(): POST with only Content-Type.
  async function getUnauthenticatedAccessToken() {
    const r = await sendFetchRequest(
      `${facts.url}/iamessage/api/v2/authorization/unauthenticated/access-token`, 'POST', 'cors',
      { 'Content-Type': 'application/json' },
      { orgId: facts.orgId, esDeveloperName: facts.esDeveloperName, capabilitiesVersion: APP_CAPABILITIES_VERSION, platform: APP_PLATFORM });
    return r.json();
  }

  // messagingService.js: createConversation(conversationId, routingAttributes).
  async function createConversation(conversationId, routingAttributes) {
    await sendFetchRequest(`${facts.url}/iamessage/api/v2/conversation`, 'POST', 'cors', null, {
      ...(routingAttributes && { routingAttributes }),
      esDeveloperName: facts.esDeveloperName,
      conversationId,
    });
  }

  // messagingService.js: getContinuityJwt().
  async function getContinuityJwt() {
    const r = await sendFetchRequest(`${facts.url}/iamessage/api/v2/authorization/continuation-access-token`, 'GET', 'cors', null, null);
    return r.json();
  }

  // messagingService.js: listConversations(includeClosedConversations = false).
  async function listConversations(includeClosedConversations = false) {
    const r = await sendFetchRequest(
      `${facts.url}/iamessage/api/v2/conversation/list?inclClosedConvs=${includeClosedConversations}&limit=${LIST_CONVERSATION_API_NUM_CONVERSATIONS_LIMIT}`,
      'GET', 'cors', null, null);
    return r.json();
  }

  // messagingService.js: listConversationEntries(conversationId, startTimestamp, endTimestamp,
  // direction): the query parameters in its order; each entry's entryPayload (an object in
  // history) turned back into a string so the entry looks like a stream event's.
  async function listConversationEntries(conversationId, startTimestamp, endTimestamp, direction) {
    const q = `limit=${LIST_CONVERSATION_ENTRIES_API_ENTRIES_LIMIT}`
      + (startTimestamp ? `&startTimestamp=${startTimestamp}` : '')
      + (endTimestamp ? `&endTimestamp=${endTimestamp}` : '')
      + (direction ? `&direction=${direction}` : '')
      + `&entryTypeFilter=${SUPPORTED_ENTRY_TYPES}`;
    const r = await sendFetchRequest(`${facts.url}/iamessage/api/v2/conversation/${conversationId}/entries?${q}`, 'GET', 'cors', null, null);
    const json = await r.json();
    if (!Array.isArray(json.conversationEntries)) throw new Error('Expected entries to be an Array');
    return json.conversationEntries.map((conversationEntry) => {
      if (typeof conversationEntry.entryPayload !== 'object') throw new Error('history entryPayload is not an object');
      conversationEntry.entryPayload = JSON.stringify(conversationEntry.entryPayload);
      return { conversationId, conversationEntry };
    });
  }

  // messagingService.js: sendTextMessage(conversationId, text, messageId, inReplyToMessageId,
  // isNewMessagingSession, routingAttributes, language).
  async function sendTextMessage(conversationId, text, messageId, inReplyToMessageId, isNewMessagingSession, routingAttributes, language) {
    await sendFetchRequest(`${facts.url}/iamessage/api/v2/conversation/${conversationId}/message`, 'POST', 'cors', null, {
      message: {
        ...(inReplyToMessageId && { inReplyToMessageId }),
        id: messageId,
        messageType: 'StaticContentMessage',
        staticContent: { formatType: 'Text', text },
      },
      ...(routingAttributes && { routingAttributes }),
      ...(isNewMessagingSession && { isNewMessagingSession }),
      esDeveloperName: facts.esDeveloperName,
      ...(language && { language }),
    });
  }

  // messagingService.js: sendTypingIndicator(conversationId, typingIndicator).
  function sendTypingIndicator(conversationId, typingIndicator) {
    return sendFetchRequest(`${facts.url}/iamessage/api/v2/conversation/${conversationId}/entry`, 'POST', 'cors', null, {
      entryType: typingIndicator,
      id: crypto.randomUUID(),
    });
  }

  // messagingService.js: closeConversation(conversationId).
  function closeConversation(conversationId) {
    return sendFetchRequest(`${facts.url}/iamessage/api/v2/conversation/${conversationId}?esDeveloperName=${facts.esDeveloperName}`,
      'DELETE', 'cors', null, null);
  }

  // src/helpers/eventsource-polyfill.js (its fetch transport, lines ~6920-6950 and ~9125-9135):
  // the headers it sends (Cache-Control and Accept first, Last-Event-ID when there is one, then
  // the caller's), fetch with mode 'cors' and credentials 'same-origin', a text/event-stream
  // parser and listeners per event name; `onopen` on the answer, `onerror` on a failure or end.
  class StreamReader {
    constructor(url, init) {
      this.url = url;
      this.listeners = new Map();
      this.controller = new AbortController();
      this.onopen = null;
      this.onerror = null;
      const given = { ...init.headers };
      const lastEventId = given['Last-Event-ID'];
      delete given['Last-Event-ID'];
      const headers = { 'Cache-Control': 'no-cache', Accept: 'text/event-stream' };
      if (lastEventId) headers['Last-Event-ID'] = lastEventId;
      Object.assign(headers, given);
      this.headers = headers;
      this.run(headers);
    }

    addEventListener(name, fn) {
      if (!this.listeners.has(name)) this.listeners.set(name, new Set());
      this.listeners.get(name).add(fn);
    }

    removeEventListener(name, fn) { this.listeners.get(name)?.delete(fn); }

    close() { this.controller.abort(); }

    async run(headers) {
      try {
        const res = await fetch(this.url, { method: 'GET', headers, mode: 'cors', credentials: 'same-origin', signal: this.controller.signal });
        if (!res.ok || !/^text\/event-stream/.test(res.headers.get('content-type') || '')) {
          throw new Error(`stream answered ${res.status}`);
        }
        this.onopen?.();
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let end;
          while ((end = buf.search(/\r?\n\r?\n/)) >= 0) {
            const frame = buf.slice(0, end);
            buf = buf.slice(end).replace(/^\r?\n\r?\n/, '');
            this.dispatch(frame);
          }
        }
        throw new Error('stream ended');
      } catch (e) {
        if (!this.controller.signal.aborted) this.onerror?.(e);
      }
    }

    dispatch(frame) {
      let name = 'message';
      let id = '';
      const data = [];
      for (const line of frame.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (field === 'event') name = value;
        else if (field === 'id') id = value;
        else if (field === 'data') data.push(value);
      }
      if (!data.length) return;
      const event = { type: name, data: data.join('\n'), lastEventId: id };
      for (const fn of this.listeners.get(name) || []) fn(event);
    }
  }

  // src/helpers/conversationEntryUtil.js: parseServerSentEventData(event).
  function parseServerSentEventData(event) {
    if (event && event.data && typeof event.data === 'string') {
      const data = JSON.parse(event.data);
      if (!data || typeof data !== 'object') throw new Error('Error parsing data in server sent event.');
      return data;
    }
    throw new Error('Invalid data in server sent event.');
  }

  // conversationEntryUtil.js: createConversationEntry(data): the payload parsed from its string,
  // its own entryType checked against the supported ones, abstractMessage or the payload as the
  // content, the message type from abstractMessage, routingType or entries[0].operation, the
  // actor's name from senderDisplayName or the participant.
  function createConversationEntry(data) {
    const entryPayload = JSON.parse(data.conversationEntry.entryPayload);
    if (!ENTRY_TYPES.includes(entryPayload.entryType)) {
      seen.errors.push(`Unexpected and/or unsupported entryType: ${entryPayload.entryType}`);
      return undefined;
    }
    return {
      conversationId: data.conversationId,
      messageId: data.conversationEntry.identifier,
      content: entryPayload.abstractMessage || entryPayload,
      messageType: entryPayload.abstractMessage ? entryPayload.abstractMessage.messageType : (entryPayload.routingType || entryPayload.entries[0].operation),
      entryType: entryPayload.entryType,
      sender: data.conversationEntry.sender,
      actorName: data.conversationEntry.senderDisplayName ? (data.conversationEntry.senderDisplayName || data.conversationEntry.sender.role)
        : (entryPayload.entries[0].displayName || entryPayload.entries[0].participant.role),
      actorType: data.conversationEntry.sender.role,
      transcriptedTimestamp: data.conversationEntry.transcriptedTimestamp,
      messageReason: entryPayload.messageReason,
    };
  }

  // conversationEntryUtil.js: getParticipantChangeEventPartcipantName, hasParticipantJoined,
  // getTextMessageContent, isMessageFromEndUser.
  const util = {
    participantName: (e) => e.entryType === 'ParticipantChanged' && (e.content.entries[0].displayName || e.content.entries[0].participant.role),
    participantJoined: (e) => e.entryType === 'ParticipantChanged' && e.content.entries[0].operation === 'add',
    text: (e) => (e.content && e.content.messageType === 'StaticContentMessage' && e.content.staticContent.formatType === 'Text' ? e.content.staticContent.text : ''),
    fromEndUser: (e) => e.actorType === 'EndUser',
  };

  // src/components/conversation.js: generateConversationEntryForCurrentConversation: entries of
  // other conversations are skipped.
  function forCurrentConversation(data) {
    const entry = createConversationEntry(data);
    if (!entry || entry.conversationId !== facts.conversationId) return undefined;
    return entry;
  }

  function keepLastEventId(event) {
    // conversation.js: every handler first stores event.lastEventId.
    if (event && event.lastEventId) {
      facts.lastEventId = event.lastEventId;
      store.write(facts);
    }
  }

  function summary(e) {
    return {
      messageId: e.messageId, entryType: e.entryType, messageType: e.messageType, actorName: e.actorName, actorType: e.actorType,
      text: util.text(e), participant: util.participantName(e) || null, joined: util.participantJoined(e),
      isEndUserMessage: util.fromEndUser(e), transcriptedTimestamp: e.transcriptedTimestamp,
    };
  }

  // conversation.js: the handlers of handleSubscribeToEventSource's listener map.
  function onEntry(event) {
    keepLastEventId(event);
    try {
      const entry = forCurrentConversation(parseServerSentEventData(event));
      if (entry) seen.entries.push({ event: event.type, id: event.lastEventId, ...summary(entry) });
    } catch (e) {
      seen.errors.push(`${event.type}: ${e.message}`);
    }
  }

  // conversation.js: handleTypingStartedIndicatorServerSentEvent / ...Stopped...: the current
  // conversation only, the sender from conversationEntryUtil.js getSenderDisplayName ||
  // getSenderRole, the end user's own typing ignored.
  function onTyping(event) {
    keepLastEventId(event);
    try {
      const data = parseServerSentEventData(event);
      if (data.conversationId !== facts.conversationId) return;
      const entry = data.conversationEntry;
      const role = (entry && entry.sender && entry.sender.role) || '';
      const name = (entry && entry.senderDisplayName) || role;
      if (role !== 'EndUser') seen.typing.push({ event: event.type, role, name });
    } catch (e) {
      seen.errors.push(`${event.type}: ${e.message}`);
    }
  }

  // conversation.js: handleConversationDeliveryAcknowledgementServerSentEvent and
  // handleConversationReadAcknowledgementServerSentEvent: relatedRecords[0] and the payload's
  // acknowledgementTimestamp.
  function onAck(event) {
    keepLastEventId(event);
    try {
      const data = parseServerSentEventData(event);
      if (data.conversationId !== facts.conversationId) return;
      const entry = data.conversationEntry;
      if (entry && entry.relatedRecords.length && entry.entryPayload.length) {
        seen.acks.push({ event: event.type, messageId: entry.relatedRecords[0], acknowledgementTimestamp: JSON.parse(entry.entryPayload).acknowledgementTimestamp });
      }
    } catch (e) {
      seen.errors.push(`${event.type}: ${e.message}`);
    }
  }

  function onClose(event) {
    keepLastEventId(event);
    try {
      const data = parseServerSentEventData(event);
      if (data.conversationId === facts.conversationId) seen.closed.push({ id: event.lastEventId });
    } catch (e) {
      seen.errors.push(`${event.type}: ${e.message}`);
    }
  }

  const LISTENERS = {
    CONVERSATION_MESSAGE: onEntry,
    CONVERSATION_ROUTING_RESULT: onEntry,
    CONVERSATION_PARTICIPANT_CHANGED: onEntry,
    CONVERSATION_TYPING_STARTED_INDICATOR: onTyping,
    CONVERSATION_TYPING_STOPPED_INDICATOR: onTyping,
    CONVERSATION_DELIVERY_ACKNOWLEDGEMENT: onAck,
    CONVERSATION_READ_ACKNOWLEDGEMENT: onAck,
    CONVERSATION_CLOSE_CONVERSATION: onClose,
  };

  // src/services/eventSourceService.js: createEventSource / subscribeToEventSource: the stream URL
  // with a fresh `_ts=<ms>`, the Authorization, X-Org-ID and Last-Event-ID headers, the listeners
  // added on open.
  function subscribeToEventSource() {
    return new Promise((resolve, reject) => {
      const fullApiPath = `${facts.url}/eventrouter/v1/sse`;
      const apiPathWithTimestamp = `${fullApiPath}${fullApiPath.includes('?') ? '&' : '?'}_ts=${Date.now()}`;
      eventSource = new StreamReader(apiPathWithTimestamp, {
        headers: { Authorization: 'Bearer ' + facts.jwt, 'X-Org-ID': facts.orgId, 'Last-Event-ID': facts.lastEventId },
        heartbeatTimeout: 90000,
      });
      eventSource.onopen = () => {
        seen.streamOpens += 1;
        for (const [name, fn] of Object.entries(LISTENERS)) eventSource.addEventListener(name, fn);
        resolve();
      };
      eventSource.onerror = (e) => {
        seen.streamErrors.push(String(e && e.message ? e.message : e));
        reject(e);
      };
    });
  }

  window.sampleClient = {
    seen,
    facts: () => ({ ...facts }),
    streamHeaders: () => ({ ...(eventSource && eventSource.headers) }),

    // conversation.js: handleNewConversation (token: handleGetUnauthenticatedJwt stores
    // accessToken and lastEventId; the conversation: handleCreateNewConversation with a lowercase
    // UUID, util.generateUUID), then the component's effect subscribes to the stream.
    async start({ url, orgId, esDeveloperName, routingAttributes }) {
      facts = store.read(orgId);
      Object.assign(facts, { url, orgId, esDeveloperName });
      const token = await getUnauthenticatedAccessToken();
      seen.token = token;
      facts.jwt = token.accessToken;
      facts.lastEventId = token.lastEventId;
      facts.deploymentConfiguration = token.context && token.context.configuration && token.context.configuration.embeddedServiceConfig;
      facts.conversationId = crypto.randomUUID().toLowerCase();
      store.write(facts);
      await createConversation(facts.conversationId, routingAttributes);
      await subscribeToEventSource();
      return { conversationId: facts.conversationId, token };
    },

    // conversation.js: handleExistingConversation: continuation token, open conversations (the
    // newest startTimestamp wins), entries (reversed to oldest first), then the stream with the
    // stored lastEventId.
    async resume(orgId) {
      facts = store.read(orgId);
      const continuation = await getContinuityJwt();
      seen.continuation = continuation;
      facts.jwt = continuation.accessToken;
      store.write(facts);
      const list = await listConversations();
      seen.list = list;
      if (!(list && list.openConversationsFound > 0 && list.conversations.length)) throw new Error('no open conversation');
      const open = [...list.conversations].sort((a, b) => b.startTimestamp - a.startTimestamp);
      facts.conversationId = open[0].conversationId;
      store.write(facts);
      const history = await listConversationEntries(facts.conversationId, undefined, undefined, 'FromEnd');
      seen.history = history.reverse().map((entry) => {
        const e = forCurrentConversation(entry);
        return e ? summary(e) : null;
      }).filter(Boolean);
      await subscribeToEventSource();
      return { conversationId: facts.conversationId };
    },

    // conversation.js: handleSendTextMessage, and on a 417 (handleMessagingErrors) the failed
    // message kept to be resent by handlePrechatSubmit with isNewMessagingSession and the
    // routing attributes, same message id.
    async send(text, { isNewMessagingSession, routingAttributes, messageId } = {}) {
      const id = messageId || crypto.randomUUID();
      try {
        await sendTextMessage(facts.conversationId, text, id, undefined, isNewMessagingSession, routingAttributes, undefined);
        return { ok: true, messageId: id };
      } catch (e) {
        return { ok: false, status: e.status, message: e.message, messageId: id };
      }
    },

    typing(on) { return sendTypingIndicator(facts.conversationId, on ? 'TypingStartedIndicator' : 'TypingStoppedIndicator').then((r) => r.status); },
    close() { return closeConversation(facts.conversationId).then((r) => r.status); },
    stop() { eventSource?.close(); },
  };
}());
