/**
 * The parts of a CloudTrail record that cleartrail reads, and nothing else: the reader parses
 * exactly these fields (`record-fields.ts`, whose shape the compiler checks against this type),
 * so a field added here is a field the reader starts keeping. Every field is optional because
 * CloudTrail's schema grew over the years (eventVersion 1.0 to 1.11) and the analyzer must
 * accept all of them; `verdict.ts` and `source.ts` decide what a missing field means.
 */
export interface CloudTrailRecord {
  eventVersion?: string;
  eventSource?: string;
  eventType?: string;
  eventName?: string;
  eventTime?: string;
  eventID?: string;
  /** Same value in the requester's and the bucket owner's copy of a cross-account call. */
  sharedEventID?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  vpcEndpointId?: string;
  vpcEndpointAccountId?: string;
  sessionCredentialFromConsole?: string;
  /** Set when S3 answered with an error: `AccessDenied` is what a SecureTransport deny answers. */
  errorCode?: string;
  userIdentity?: UserIdentity | null;
  requestParameters?: RequestParameters | null;
  additionalEventData?: AdditionalEventData | null;
  tlsDetails?: TlsDetails | null;
  resources?: Array<{ type?: string; ARN?: string }> | null;
}

export interface UserIdentity {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  invokedBy?: string;
  sessionContext?: {
    /** `1.0`/`2.0` when the credentials came from EC2 instance metadata. */
    ec2RoleDelivery?: string;
  } | null;
}

export interface TlsDetails {
  tlsVersion?: string;
  cipherSuite?: string;
}

export interface RequestParameters {
  bucketName?: unknown;
  /** The Host header; an array of one string in very old records, and `host` in some. */
  Host?: unknown;
  host?: unknown;
}

export interface AdditionalEventData {
  CipherSuite?: unknown;
  /** S3 Express One Zone and S3 Tables write it in lower camel case. */
  cipherSuite?: unknown;
  SignatureVersion?: unknown;
  AuthenticationMethod?: unknown;
}

export const S3_EVENT_SOURCE = 's3.amazonaws.com';
