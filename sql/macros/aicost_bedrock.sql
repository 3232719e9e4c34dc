-- Parsing helpers of the Bedrock staging model (stg_bedrock__operations).
-- This folder is the one exception to "pure select": it holds only
-- `create or replace temp macro` statements, loaded before the models.
-- These macros call no other macro (macro files load in name order).

-- Kind of a Bedrock operation. The inference operations (InvokeModel,
-- InvokeModelWithResponseStream, Converse, ConverseStream, the bidirectional
-- stream, and the OpenAI-compatible chat/responses endpoints) are classified
-- by the model they called, because InvokeModel serves every model type;
-- other operation names return NULL (the caller falls back to aicost_kind).
create or replace temp macro aicost_bedrock_kind(operation, model_id) as (
    case
        when operation is not null
            and lower(operation) not in (
                'invokemodel', 'invokemodelwithresponsestream', 'converse', 'conversestream',
                'invokemodelwithbidirectionalstream')
            and not regexp_matches(lower(operation), 'chat|completion|response')
            then null
        when lower(operation) = 'invokemodelwithbidirectionalstream' then 'audio'
        when regexp_matches(lower(coalesce(model_id, '')), 'embed') then 'embeddings'
        when regexp_matches(lower(coalesce(model_id, '')), 'rerank') then 'rerank'
        when regexp_matches(lower(coalesce(model_id, '')),
                            '(^|[./])stability\.|titan-image|nova-canvas') then 'image'
        else 'chat'
    end
);

-- User name from an IAM/STS principal ARN (identity.arn):
--   arn:aws:sts::<acct>:assumed-role/<role>/<session>  -> <session>
--   arn:aws:iam::<acct>:user/<path/><name>             -> <name>
--   arn:aws:sts::<acct>:federated-user/<name>          -> <name>
-- NULL for roles without a session, the root user and anything else.
create or replace temp macro aicost_arn_user(arn) as (
    coalesce(
        nullif(regexp_extract(arn, '^arn:[^:]+:sts::[^:]*:assumed-role/[^/]+/(.+)$', 1), ''),
        nullif(regexp_extract(arn, '^arn:[^:]+:iam::[^:]*:user/(.*/)?([^/]+)$', 2), ''),
        nullif(regexp_extract(arn, '^arn:[^:]+:sts::[^:]*:federated-user/(.+)$', 1), '')
    )
);

-- Team from a principal ARN: the IAM role name (assumed-role or role ARN),
-- with IAM Identity Center roles 'AWSReservedSSO_<permission set>_<16 hex>'
-- reduced to the permission set name. NULL for users and anything else.
create or replace temp macro aicost_arn_team(arn) as (
    nullif(
        regexp_replace(
            coalesce(
                nullif(regexp_extract(arn, '^arn:[^:]+:sts::[^:]*:assumed-role/([^/]+)/', 1), ''),
                nullif(regexp_extract(arn, '^arn:[^:]+:iam::[^:]*:role/(.*/)?([^/]+)$', 2), ''),
                ''
            ),
            '^AWSReservedSSO_(.+)_[0-9a-f]{16}$', '\1'),
        ''
    )
);

-- Cache-write tokens with a 1-hour TTL, as text (so that aicost_tokens and
-- aicost_token_problem judge it), from a Converse usage.cacheDetails array
-- ([{"ttl": "5m" | "1h", "inputTokens": n}]). NULL when there is no 1h entry.
create or replace temp macro aicost_bedrock_cache_1h(cache_details) as (
    case
        when cache_details is null or json_type(cache_details) <> 'ARRAY' then null
        else cast(list_sum(list_transform(
            list_filter(
                from_json(cache_details, '[{"ttl": "VARCHAR", "inputTokens": "VARCHAR"}]'),
                lambda detail: lower(detail.ttl) = '1h'
            ),
            lambda detail: try_cast(detail.inputTokens as double)
        )) as varchar)
    end
);
