import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeReplayToken } from '../../src/explore/replay-token.js';
import { runCase } from '../../src/explore/run-case.js';
import { UsageError } from '../../src/explore/scenario.js';
import { caseSeedFor, drawnCaseArbitrary } from '../../src/explore/sweep-case.js';
import { findScenario } from '../../scenarios/index.js';

/**
 * Cases the sweeps found failing, each shrunk, its cause fixed in the runtime; kept as replay
 * tokens so the bug cannot come back unnoticed.
 */
const regressions: Array<[string, string]> = [
  [
    'a finished producer stranded queued records outside any checkpoint (FLIP-147 end-of-data acknowledgement)',
    'ckpt1.eyJzY2VuYXJpbyI6InVuYWxpZ25lZCIsInNlZWQiOjEyNDcyNiwiZmF1bHRzIjpbeyJraW5kIjoic2xvdy10YXNrIiwidGFzayI6ImVucmljaCM1IiwiZmFjdG9yIjo0NCwiZHVyYXRpb25VcyI6OTg1MDUsIndoZW4iOnsib25TdGVwIjoidGFzay5ub3RpZnktY29tcGxldGUiLCJvY2N1cnJlbmNlIjoyLCJ0YXNrIjoic2luayMwIn19LHsia2luZCI6ImNoYW5uZWwtc3RhbGwiLCJjaGFubmVsIjoidG90YWwjMS0-c2luayMxIiwiZXh0cmFVcyI6NjkwNywiZHVyYXRpb25VcyI6MTU5NzQzLCJ3aGVuIjp7ImF0VXMiOjEzODY3NH19LHsia2luZCI6ImNoYW5uZWwtc3RhbGwiLCJjaGFubmVsIjoiZW5yaWNoIzQtPnRvdGFsIzEiLCJleHRyYVVzIjozNTUyNSwiZHVyYXRpb25VcyI6NDE3NzAsIndoZW4iOnsiYXRVcyI6MTk3MzI5fX1dfQ.1eb3c523',
  ],
  [
    'an RPC-triggered task with unfinished inputs skipped their queued records (triggerUnfinishedChannelsCheckpoint)',
    'ckpt1.eyJzY2VuYXJpbyI6InVuYWxpZ25lZCIsInNlZWQiOjk5OTk5NywiZmF1bHRzIjpbeyJraW5kIjoic2xvdy10YXNrIiwidGFzayI6InNpbmsjMCIsImZhY3RvciI6NDAsImR1cmF0aW9uVXMiOjI3OTM1Mywid2hlbiI6eyJvblN0ZXAiOiJjb29yZGluYXRvci5jaGVja3BvaW50LXRyaWdnZXJlZCIsIm9jY3VycmVuY2UiOjF9fSx7ImtpbmQiOiJzdG9yYWdlIiwiYWN0aW9uIjoiZmFpbC13cml0ZXMiLCJjb3VudCI6MiwiZXh0cmFVcyI6MjgwMjc2LCJkdXJhdGlvblVzIjoyOTQ1MzUsIndoZW4iOnsiYXRVcyI6MzU5MDI4fX1dfQ.f3ba2cad',
  ],
  [
    'a lost RUNNING update left the JobMaster refusing every checkpoint (task state updates are asks)',
    'ckpt1.eyJzY2VuYXJpbyI6InNhdmVwb2ludC1zdG9wIiwic2VlZCI6ODIwNDYyLCJmYXVsdHMiOlt7ImtpbmQiOiJwYXJ0aXRpb24iLCJub2RlcyI6WyJqb2JtYXN0ZXIiLCJ0YXNrZXhlY3V0b3ItMCJdLCJvbmVXYXkiOmZhbHNlLCJkdXJhdGlvblVzIjo0MjIzMzczLCJ3aGVuIjp7ImF0VXMiOjI1MjA5N319XX0.16e01b83',
  ],
  [
    'a lost abort of a failed stop-with-savepoint left a source suspended (a newer checkpoint abandons the savepoint)',
    'ckpt1.eyJzY2VuYXJpbyI6InNhdmVwb2ludC1zdG9wIiwic2VlZCI6MTksImZhdWx0cyI6W3sia2luZCI6InJwYyIsImFjdGlvbiI6ImRyb3AiLCJtZXRob2QiOiJhY2tub3dsZWRnZUNoZWNrcG9pbnQiLCJjb3VudCI6MiwiZGVsYXlVcyI6MCwid2hlbiI6eyJhdFVzIjoxMzM1MTN9fSx7ImtpbmQiOiJycGMiLCJhY3Rpb24iOiJkcm9wIiwibWV0aG9kIjoibm90aWZ5Q2hlY2twb2ludEFib3J0ZWQiLCJjb3VudCI6MSwiZGVsYXlVcyI6MCwid2hlbiI6eyJhdFVzIjoxNDAwMDF9fV19.70114bf3',
  ],
  [
    'a duplicated deploy RPC redeployed a canceled attempt, whose partition request threw in the shuffle (a pipelined subpartition has one reader)',
    'ckpt1.eyJzY2VuYXJpbyI6IndvcmRjb3VudCIsInNlZWQiOjIwLCJmYXVsdHMiOlt7ImtpbmQiOiJmYWlsLXRhc2siLCJ0YXNrIjoic291cmNlIzAiLCJ3aGVuIjp7ImF0VXMiOjEyNzI2M319LHsia2luZCI6InJwYyIsImFjdGlvbiI6ImR1cGxpY2F0ZSIsIm1ldGhvZCI6InN1Ym1pdFRhc2siLCJjb3VudCI6MSwiZGVsYXlVcyI6NTM4MTksIndoZW4iOnsiYXRVcyI6MTAwMDAxfX0seyJraW5kIjoiZmFpbC10YXNrIiwidGFzayI6InNwbGl0IzEiLCJ3aGVuIjp7ImF0VXMiOjIzMDg4M319XX0.b128d725',
  ],
  [
    'two concurrent unaligned barriers arrived before the first one\'s letter ran: the second overwrote what the first overtook, and the first checkpoint lost those records',
    'ckpt1.eyJzY2VuYXJpbyI6ImZhbi1pbi1za2V3Iiwic2VlZCI6MjEsInBhcmFtZXRlcnMiOnsidXBzdHJlYW1QYXJhbGxlbGlzbSI6NSwiZG93bnN0cmVhbVBhcmFsbGVsaXNtIjoxLCJldmVudHMiOjIwOCwia2V5cyI6MTIsInNrZXciOjIwLCJzbG93Q29zdFVzIjozMn0sImNvbmZpZyI6eyJjaGVja3BvaW50Ijp7Im1vZGUiOiJFWEFDVExZX09OQ0UiLCJpbnRlcnZhbFVzIjozMDA4LCJ0aW1lb3V0VXMiOjEwMDAwMDAsIm1heENvbmN1cnJlbnRDaGVja3BvaW50cyI6MiwibWluUGF1c2VCZXR3ZWVuQ2hlY2twb2ludHNVcyI6NjE3LCJ0b2xlcmFibGVDaGVja3BvaW50RmFpbHVyZXMiOjAsInJldGFpbmVkQ2hlY2twb2ludHMiOjEsInVuYWxpZ25lZCI6dHJ1ZSwiYWxpZ25lZENoZWNrcG9pbnRUaW1lb3V0VXMiOjB9LCJyZXN0YXJ0U3RyYXRlZ3kiOnsia2luZCI6ImV4cG9uZW50aWFsLWRlbGF5IiwiaW5pdGlhbEJhY2tvZmZVcyI6MTAwMCwibWF4QmFja29mZlVzIjoyMDAwMDAwLCJtdWx0aXBsaWVyIjoyLCJyZXNldEJhY2tvZmZUaHJlc2hvbGRVcyI6MTAwMDAwMDAsImF0dGVtcHRzIjoxMDAwfX19.92b335af',
  ],
  [
    'a stop-with-savepoint whose JobMaster crashed never failed for its caller, so the run went on past FINISHED and a later JobMaster ran the finished job again',
    'ckpt1.eyJzY2VuYXJpbyI6InNhdmVwb2ludC1zdG9wIiwic2VlZCI6MiwiZmF1bHRzIjpbeyJraW5kIjoiY3Jhc2gtam9ibWFzdGVyIiwicmVjb3ZlckFmdGVyVXMiOjAsIndoZW4iOnsib25TdGVwIjoidGFzay5hbGlnbm1lbnQtY29tcGxldGVkIiwib2NjdXJyZW5jZSI6MSwiY2hlY2twb2ludElkIjo1fX0seyJraW5kIjoiY3Jhc2gtam9ibWFzdGVyIiwicmVjb3ZlckFmdGVyVXMiOjAsIndoZW4iOnsiYXRVcyI6Mjc4OTYzfX1dfQ.76b108b8',
  ],
  [
    'a duplicated deploy RPC that arrived after its attempt ended started that attempt again, which restored a checkpoint older than the one the failover chose',
    'ckpt1.eyJzY2VuYXJpbyI6InNhdmVwb2ludC1zdG9wIiwic2VlZCI6MTYxMjM4MjE4OSwiZmF1bHRzIjpbeyJraW5kIjoicnBjIiwiYWN0aW9uIjoiZHVwbGljYXRlIiwibWV0aG9kIjoic3VibWl0VGFzayIsImNvdW50IjoxLCJkZWxheVVzIjo2NjYxMCwid2hlbiI6eyJvblN0ZXAiOiJ0YXNrLmFsaWdubWVudC1jb21wbGV0ZWQiLCJvY2N1cnJlbmNlIjoxfX0seyJraW5kIjoiY3Jhc2gtZXhlY3V0b3IiLCJleGVjdXRvciI6InRhc2tleGVjdXRvci0wIiwicmVzdGFydEFmdGVyVXMiOjAsInJlcGxhY2VtZW50IjpmYWxzZSwid2hlbiI6eyJhdFVzIjoyODI1NTd9fV19.cc5d55ef',
  ],
  [
    'tasks that finished after the savepoint of a stop-with-savepoint, while a lost executor had begun a failover, made the job FINISHED with the stop failed, so the rest of the input was never read (a FINISHED report for an attempt being canceled completes the cancel)',
    'ckpt1.eyJzY2VuYXJpbyI6InNhdmVwb2ludC1zdG9wIiwic2VlZCI6MjE0NzQ4MzYxOCwicGFyYW1ldGVycyI6eyJwYXJ0aXRpb25zIjoyLCJldmVudHMiOjMxMiwia2V5cyI6MjksInNrZXciOjMsInBhcmFsbGVsaXNtIjoxLCJzdG9wQXRVcyI6MTQyNzc3fSwiZmF1bHRzIjpbeyJraW5kIjoiY3Jhc2gtZXhlY3V0b3IiLCJleGVjdXRvciI6InRhc2tleGVjdXRvci0xIiwicmVzdGFydEFmdGVyVXMiOjAsInJlcGxhY2VtZW50IjpmYWxzZSwid2hlbiI6eyJvblN0ZXAiOiJ0YXNrLm5vdGlmeS1jb21wbGV0ZSIsIm9jY3VycmVuY2UiOjMsInRhc2siOiJjb3VudCMwIn19XSwiY29uZmlnIjp7ImNoZWNrcG9pbnQiOnsibW9kZSI6IkFUX0xFQVNUX09OQ0UiLCJpbnRlcnZhbFVzIjoxNTM3MCwidGltZW91dFVzIjozNTAyNDAwLCJtYXhDb25jdXJyZW50Q2hlY2twb2ludHMiOjEsIm1pblBhdXNlQmV0d2VlbkNoZWNrcG9pbnRzVXMiOjQ5ODksInRvbGVyYWJsZUNoZWNrcG9pbnRGYWlsdXJlcyI6MSwicmV0YWluZWRDaGVja3BvaW50cyI6MiwidW5hbGlnbmVkIjp0cnVlLCJhbGlnbmVkQ2hlY2twb2ludFRpbWVvdXRVcyI6NTAwMH0sInJlc3RhcnRTdHJhdGVneSI6eyJraW5kIjoiZXhwb25lbnRpYWwtZGVsYXkiLCJpbml0aWFsQmFja29mZlVzIjoxMDExLCJtYXhCYWNrb2ZmVXMiOjIwMDAwMDAsIm11bHRpcGxpZXIiOjIsInJlc2V0QmFja29mZlRocmVzaG9sZFVzIjoxMDAwMDAwMCwiYXR0ZW1wdHMiOjEwMDB9fX0.1bcea4dc',
  ],
  [
    'a duplicated ack that arrived after its checkpoint\'s HA write may have landed discarded that checkpoint\'s state, so the next JobMaster recovered it from HA and could not restore it',
    'ckpt1.eyJzY2VuYXJpbyI6IndvcmRjb3VudCIsInNlZWQiOjEsImZhdWx0cyI6W3sia2luZCI6ImhhLXN0b3JlIiwiYWN0aW9uIjoiYW1iaWd1b3VzLXdyaXRlcyIsImNvdW50IjoxLCJ3aGVuIjp7Im9uU3RlcCI6ImNvb3JkaW5hdG9yLmNoZWNrcG9pbnQtdHJpZ2dlcmVkIiwib2NjdXJyZW5jZSI6Mn19LHsia2luZCI6InJwYyIsImFjdGlvbiI6ImR1cGxpY2F0ZSIsIm1ldGhvZCI6ImFja25vd2xlZGdlQ2hlY2twb2ludCIsImNvdW50IjoxLCJjaGVja3BvaW50SWQiOjIsImRlbGF5VXMiOjE1MDAwLCJ3aGVuIjp7Im9uU3RlcCI6ImNvb3JkaW5hdG9yLmNoZWNrcG9pbnQtdHJpZ2dlcmVkIiwib2NjdXJyZW5jZSI6Mn19LHsia2luZCI6ImNyYXNoLWpvYm1hc3RlciIsInJlY292ZXJBZnRlclVzIjowLCJ3aGVuIjp7ImF0VXMiOjE1MDAwMH19XX0.b1bcf038',
  ],
  [
    'a savepoint asked for during a stop-with-savepoint made the tasks give the stop\'s savepoint up, so the job never finished (only a periodic checkpoint proves the stop failed)',
    'ckpt1.eyJzY2VuYXJpbyI6InNhdmVwb2ludC1zdG9wIiwic2VlZCI6MzAsImZhdWx0cyI6W3sia2luZCI6InNhdmVwb2ludCIsIndoZW4iOnsib25TdGVwIjoidGFzay5hbGlnbm1lbnQtY29tcGxldGVkIiwib2NjdXJyZW5jZSI6MSwiY2hlY2twb2ludElkIjo1fX1dfQ.2115ebb3',
  ],
  [
    'a checkpoint a cancel\'s resume claimed was dropped from the retained set of the run that claimed it once that run ended too',
    'ckpt1.eyJzY2VuYXJpbyI6InVuYWxpZ25lZCIsInNlZWQiOjgzNTQwNjA4MCwiZmF1bHRzIjpbeyJraW5kIjoic3RvcC13aXRoLXNhdmVwb2ludCIsImRyYWluIjpmYWxzZSwid2hlbiI6eyJvblN0ZXAiOiJ0YXNrLmVuZC1vZi1kYXRhIiwib2NjdXJyZW5jZSI6MSwidGFzayI6InRvdGFsIzAifX0seyJraW5kIjoiY2FuY2VsIiwicmVzdW1lRnJvbSI6ImxhdGVzdCIsInJlc3VtZUFmdGVyVXMiOjAsIndoZW4iOnsib25TdGVwIjoidGFzay5ub3RpZnktY29tcGxldGUiLCJvY2N1cnJlbmNlIjoxLCJjaGVja3BvaW50SWQiOjR9fV19.6fc221a8',
  ],
  [
    'a resume whose savepoint restore failed in the HA store threw out of the run instead of failing the job\'s initialization (then resubmitted)',
    'ckpt1.eyJzY2VuYXJpbyI6ImF0LWxlYXN0LW9uY2UiLCJzZWVkIjoxNiwiZmF1bHRzIjpbeyJraW5kIjoiaGEtc3RvcmUiLCJhY3Rpb24iOiJmYWlsLXdyaXRlcyIsInRhcmdldCI6ImNvbXBsZXRlZC1jaGVja3BvaW50IiwiY291bnQiOjEsIndoZW4iOnsiYXRVcyI6MTIwNTYyfX0seyJraW5kIjoiY2FuY2VsIiwicmVzdW1lRnJvbSI6ImxhdGVzdCIsInJlc3VtZUFmdGVyVXMiOjAsIndoZW4iOnsiYXRVcyI6MTIwNTYyfX1dfQ.2b0405fb',
  ],
  [
    'a failover before any checkpoint completed (a failed HA write) restarted the sink without state, and the earlier attempt\'s transactions stayed open in the store after the job finished (a start without state aborts them, as Flink\'s Kafka sink does)',
    'ckpt1.eyJzY2VuYXJpbyI6IndvcmRjb3VudCIsInNlZWQiOjE3ODY1MzE5MSwiZmF1bHRzIjpbeyJraW5kIjoiaGEtc3RvcmUiLCJhY3Rpb24iOiJmYWlsLXdyaXRlcyIsInRhcmdldCI6ImNvbXBsZXRlZC1jaGVja3BvaW50IiwiY291bnQiOjEsIndoZW4iOnsiYXRVcyI6MTAwMzgwfX1dfQ.07d81546',
  ],
  [
    'a rescale\'s stop-with-savepoint that a failover answered while its savepoint was still queued in the trigger chain was answered a second time when that savepoint later failed (the stop\'s future completes once)',
    'ckpt1.eyJzY2VuYXJpbyI6IndvcmRjb3VudCIsInNlZWQiOjIxNDc0ODM2MjgsInBhcmFtZXRlcnMiOnsibGluZXMiOjIwMX0sImZhdWx0cyI6W3sia2luZCI6InBhcnRpdGlvbiIsIm5vZGVzIjpbImpvYm1hc3RlciIsInRhc2tleGVjdXRvci0wIl0sIm9uZVdheSI6dHJ1ZSwiZHVyYXRpb25VcyI6Mzc4OCwid2hlbiI6eyJvblN0ZXAiOiJ0YXNrLmFsaWdubWVudC1jb21wbGV0ZWQiLCJvY2N1cnJlbmNlIjoyLCJ0YXNrIjoic2luayMwIn19LHsia2luZCI6InJlc2NhbGUiLCJwYXJhbGxlbGlzbSI6InNpbms9MSIsIndoZW4iOnsiYXRVcyI6MTI5MDUyfX1dLCJjb25maWciOnsiY2hlY2twb2ludCI6eyJpbnRlcnZhbFVzIjo3Njk0LCJyZXRhaW5lZENoZWNrcG9pbnRzIjoyLCJtYXhDb25jdXJyZW50Q2hlY2twb2ludHMiOjIsInRpbWVvdXRVcyI6NjAwMDAwMDAwfSwiaW5jcmVtZW50YWxDaGVja3BvaW50cyI6dHJ1ZX19.fd54aed5',
  ],
  [
    'a lost triggerCheckpoint left a stop-with-savepoint to expire after ten minutes, and a lost acknowledgement another checkpoint after ten more, past the store\'s transaction timeout (Flink\'s trigger is an ask that fails after the RPC timeout, aborting the checkpoint with TRIGGER_CHECKPOINT_FAILURE; diamond case 500)',
    'ckpt1.eyJzY2VuYXJpbyI6ImRpYW1vbmQiLCJzZWVkIjo3LCJwYXJhbWV0ZXJzIjp7ImV2ZW50cyI6NzUwfSwiZmF1bHRzIjpbeyJraW5kIjoicGFydGl0aW9uIiwibm9kZXMiOlsiam9ibWFzdGVyIiwidGFza2V4ZWN1dG9yLTAiXSwib25lV2F5IjpmYWxzZSwiZHVyYXRpb25VcyI6MjUxMzAsIndoZW4iOnsib25TdGVwIjoidGFzay5hc3luYy11cGxvYWQtc3RhcnRlZCIsIm9jY3VycmVuY2UiOjEsInRhc2siOiJzY2FsZSMwIiwiY2hlY2twb2ludElkIjo1fX0seyJraW5kIjoicGFydGl0aW9uIiwibm9kZXMiOlsiam9ibWFzdGVyIiwidGFza2V4ZWN1dG9yLTAiXSwib25lV2F5IjpmYWxzZSwiZHVyYXRpb25VcyI6NDA4NjI4Miwid2hlbiI6eyJhdFVzIjoxNzE0MTZ9fSx7ImtpbmQiOiJwYXJ0aXRpb24iLCJub2RlcyI6WyJqb2JtYXN0ZXIiLCJ0YXNrZXhlY3V0b3ItMCJdLCJvbmVXYXkiOnRydWUsImR1cmF0aW9uVXMiOjMwNjA5Miwid2hlbiI6eyJvblN0ZXAiOiJ0YXNrLnNuYXBzaG90LXRha2VuIiwib2NjdXJyZW5jZSI6MSwidGFzayI6InNjYWxlIzAiLCJjaGVja3BvaW50SWQiOjF9fSx7ImtpbmQiOiJzdG9wLXdpdGgtc2F2ZXBvaW50IiwiZHJhaW4iOmZhbHNlLCJ3aGVuIjp7ImF0VXMiOjE3MjA0OH19LHsia2luZCI6InJlc2NhbGUiLCJwYXJhbGxlbGlzbSI6InNvdXJjZT0yLHBhcnNlPTIsbGFyZ2U9MixzY2FsZT0yIiwid2hlbiI6eyJhdFVzIjoyMjE5MDB9fV0sImNvbmZpZyI6eyJjaGVja3BvaW50Ijp7ImludGVydmFsVXMiOjcwMDksInJldGFpbmVkQ2hlY2twb2ludHMiOjIsIm1heENvbmN1cnJlbnRDaGVja3BvaW50cyI6MiwidGltZW91dFVzIjo2MDAwMDAwMDAsIm1vZGUiOiJBVF9MRUFTVF9PTkNFIn0sImluY3JlbWVudGFsQ2hlY2twb2ludHMiOnRydWV9fQ.6cf5cd49',
  ],
  [
    'a lost triggerCheckpoint left a checkpoint to expire after ten minutes, past the store\'s transaction timeout, so the restore lost a pre-committed transaction (aligned-timeout case 1726)',
    'ckpt1.eyJzY2VuYXJpbyI6ImFsaWduZWQtdGltZW91dCIsInNlZWQiOjQwODg5NjYxLCJwYXJhbWV0ZXJzIjp7ImV2ZW50cyI6MTAwMH0sImZhdWx0cyI6W3sia2luZCI6InBhcnRpdGlvbiIsIm5vZGVzIjpbImpvYm1hc3RlciIsInRhc2tleGVjdXRvci0wIl0sIm9uZVdheSI6ZmFsc2UsImR1cmF0aW9uVXMiOjI3MzEsIndoZW4iOnsib25TdGVwIjoiY29vcmRpbmF0b3IuYWxsLWFja25vd2xlZGdlZCIsIm9jY3VycmVuY2UiOjEsImNoZWNrcG9pbnRJZCI6NH19LHsia2luZCI6InRyYW5zYWN0aW9uLXRpbWVvdXQiLCJ0aW1lb3V0VXMiOjUzMjg1OTM2Mywid2hlbiI6eyJhdFVzIjoxNzgzNDd9fV0sImNvbmZpZyI6eyJjaGVja3BvaW50Ijp7ImludGVydmFsVXMiOjc5OTMsInJldGFpbmVkQ2hlY2twb2ludHMiOjIsIm1heENvbmN1cnJlbnRDaGVja3BvaW50cyI6MSwidGltZW91dFVzIjo2MDAwMDAwMDAsIm1vZGUiOiJBVF9MRUFTVF9PTkNFIn19fQ.5a877f36',
  ],
  [
    'a lost triggerCheckpoint left a checkpoint to expire after ten minutes, past a 60 s transaction timeout (running-sum case 1358)',
    'ckpt1.eyJzY2VuYXJpbyI6InJ1bm5pbmctc3VtIiwic2VlZCI6MTczOTQ2OTMxMywicGFyYW1ldGVycyI6eyJldmVudHMiOjYwMH0sImZhdWx0cyI6W3sia2luZCI6InRyYW5zYWN0aW9uLXRpbWVvdXQiLCJ0aW1lb3V0VXMiOjYwMDAwMDAwLCJ3aGVuIjp7ImF0VXMiOjEwMDM4MH19LHsia2luZCI6InBhcnRpdGlvbiIsIm5vZGVzIjpbImpvYm1hc3RlciIsInRhc2tleGVjdXRvci0wIl0sIm9uZVdheSI6ZmFsc2UsImR1cmF0aW9uVXMiOjIyNTU3MDQsIndoZW4iOnsib25TdGVwIjoiY29vcmRpbmF0b3IuY2hlY2twb2ludC1jb21wbGV0ZWQiLCJvY2N1cnJlbmNlIjozfX0seyJraW5kIjoic2luay1jb21taXQtZmFpbHVyZSIsImNvdW50IjoyLCJ3aGVuIjp7Im9uU3RlcCI6InRhc2suYWxpZ25tZW50LWNvbXBsZXRlZCIsIm9jY3VycmVuY2UiOjEsInRhc2siOiJzdW0jMCIsImNoZWNrcG9pbnRJZCI6M319XSwiY29uZmlnIjp7ImNoZWNrcG9pbnQiOnsiaW50ZXJ2YWxVcyI6NjQ2MywicmV0YWluZWRDaGVja3BvaW50cyI6MiwibWF4Q29uY3VycmVudENoZWNrcG9pbnRzIjoyLCJ0aW1lb3V0VXMiOjYwMDAwMDAwMCwibW9kZSI6IkFUX0xFQVNUX09OQ0UifSwiaW5jcmVtZW50YWxDaGVja3BvaW50cyI6dHJ1ZX19.32c63f0b',
  ],
  [
    'four failed HA writes of the resumed run\'s restored checkpoint outlasted the three resubmissions an orchestrator made, failing the job (running-sum case 1658; a drawn plan fails at most twelve such writes, the orchestrator now resubmits up to sixteen times)',
    'ckpt1.eyJzY2VuYXJpbyI6InJ1bm5pbmctc3VtIiwic2VlZCI6MTQsInBhcmFtZXRlcnMiOnsiZXZlbnRzIjo4MDB9LCJmYXVsdHMiOlt7ImtpbmQiOiJoYS1zdG9yZSIsImFjdGlvbiI6ImZhaWwtd3JpdGVzIiwidGFyZ2V0IjoiY29tcGxldGVkLWNoZWNrcG9pbnQiLCJjb3VudCI6Miwid2hlbiI6eyJhdFVzIjoxMjA0NzV9fSx7ImtpbmQiOiJoYS1zdG9yZSIsImFjdGlvbiI6ImZhaWwtd3JpdGVzIiwidGFyZ2V0IjoiY29tcGxldGVkLWNoZWNrcG9pbnQiLCJjb3VudCI6Miwid2hlbiI6eyJhdFVzIjoxMjA0NzV9fSx7ImtpbmQiOiJjYW5jZWwiLCJyZXN1bWVGcm9tIjoibGF0ZXN0IiwicmVzdW1lQWZ0ZXJVcyI6MCwid2hlbiI6eyJvblN0ZXAiOiJ0YXNrLmFsaWdubWVudC1jb21wbGV0ZWQiLCJvY2N1cnJlbmNlIjoxLCJjaGVja3BvaW50SWQiOjN9fSx7ImtpbmQiOiJyZXNjYWxlIiwicGFyYWxsZWxpc20iOiJmaXJzdC1zZWVuPTQsZmlyc3Qtc2luaz00Iiwid2hlbiI6eyJvblN0ZXAiOiJjb29yZGluYXRvci5vcGVyYXRvci1ldmVudC1zZW50Iiwib2NjdXJyZW5jZSI6MX19XSwiY29uZmlnIjp7ImNoZWNrcG9pbnQiOnsiaW50ZXJ2YWxVcyI6NzAwMSwicmV0YWluZWRDaGVja3BvaW50cyI6MiwibWF4Q29uY3VycmVudENoZWNrcG9pbnRzIjozLCJ0aW1lb3V0VXMiOjIwMDAxOH0sImluY3JlbWVudGFsQ2hlY2twb2ludHMiOnRydWV9fQ.c1adf70d',
  ],
  [
    'a delayed AddSplitEvent was overtaken by the stop-with-savepoint\'s trigger once the aborted checkpoint before it had taken its unconfirmed send (getCurrentIncompleteAndReset), so the savepoint held split p0 nowhere (Flink\'s scheduler-to-task RPC is in order)',
    'ckpt1.eyJzY2VuYXJpbyI6InNhdmVwb2ludC1zdG9wIiwic2VlZCI6MTIyNzEsImZhdWx0cyI6W3sia2luZCI6InNvdXJjZS11bmF2YWlsYWJsZSIsImR1cmF0aW9uVXMiOjkxNzE3LCJ3aGVuIjp7Im9uU3RlcCI6InJwYy5hY2tub3dsZWRnZUNoZWNrcG9pbnQiLCJvY2N1cnJlbmNlIjoxLCJ0YXNrIjoic2luayMxIiwiY2hlY2twb2ludElkIjo1fX0seyJraW5kIjoicnBjIiwiYWN0aW9uIjoiZGVsYXkiLCJtZXRob2QiOiJzZW5kT3BlcmF0b3JFdmVudCIsImNvdW50IjozLCJkZWxheVVzIjoyODU3OTUsIndoZW4iOnsiYXRVcyI6MTAwMzg4fX1dfQ.e3637a3f',
  ],
  [
    'a source waiting for its final checkpoint took checkpoint 6, then finished on checkpoint 4\'s late notification and gave up 6\'s upload, so 6 expired (Flink\'s finishing task waits for its pending checkpoints first)',
    'ckpt1.eyJzY2VuYXJpbyI6ImZhbi1pbi1za2V3Iiwic2VlZCI6MTAsInBhcmFtZXRlcnMiOnsiZXZlbnRzIjo0MDB9LCJmYXVsdHMiOlt7ImtpbmQiOiJjYW5jZWwiLCJyZXN1bWVGcm9tIjoibGF0ZXN0IiwicmVzdW1lQWZ0ZXJVcyI6MTcsIndoZW4iOnsiYXRVcyI6MTAwMzg4fX0seyJraW5kIjoiY2FuY2VsIiwicmVzdW1lRnJvbSI6ImxhdGVzdCIsInJlc3VtZUFmdGVyVXMiOjE5MTU4Niwid2hlbiI6eyJvblN0ZXAiOiJ0YXNrLmFsaWdubWVudC1jb21wbGV0ZWQiLCJvY2N1cnJlbmNlIjoyfX1dLCJjb25maWciOnsiY2hlY2twb2ludCI6eyJpbnRlcnZhbFVzIjoyMjMzLCJyZXRhaW5lZENoZWNrcG9pbnRzIjoxLCJtYXhDb25jdXJyZW50Q2hlY2twb2ludHMiOjEsInRpbWVvdXRVcyI6MjAwMDI1LCJ1bmFsaWduZWQiOnRydWUsImFsaWduZWRDaGVja3BvaW50VGltZW91dFVzIjowfSwicnBjRGV0b3VycyI6eyJtZXRob2RzIjpbInRyaWdnZXJDaGVja3BvaW50IiwiYWNrbm93bGVkZ2VDaGVja3BvaW50IiwiZGVjbGluZUNoZWNrcG9pbnQiLCJub3RpZnlDaGVja3BvaW50Q29tcGxldGUiLCJub3RpZnlDaGVja3BvaW50QWJvcnRlZCJdLCJudW1lcmF0b3IiOjEsImRlbm9taW5hdG9yIjo4LCJtYXhFeHRyYVVzIjo4OTMyfX19.4e5bf7d2',
  ],
];

/**
 * AT_LEAST_ONCE runs in which a pre-committed transaction outlived the store's transaction
 * timeout (its checkpoint's notification lost, and the next checkpoint's acknowledgement lost
 * too, a tell that leaves the checkpoint to expire, as in Flink), so the restore's commit found
 * it gone, and the restore replayed records beside the loss: the transaction-timeout gap. The
 * loss fits in what the timed-out transaction held.
 */
const transactionTimeoutGaps: Array<[string, string]> = [
  ['aligned-timeout: a lost notification of checkpoint 4 and a lost acknowledgement of checkpoint 5, with a 532 s transaction timeout', 'ckpt1.eyJzY2VuYXJpbyI6ImFsaWduZWQtdGltZW91dCIsInNlZWQiOjQwODg5NjYxLCJwYXJhbWV0ZXJzIjp7ImV2ZW50cyI6MTAwMH0sImZhdWx0cyI6W3sia2luZCI6InJwYyIsImFjdGlvbiI6ImRyb3AiLCJtZXRob2QiOiJub3RpZnlDaGVja3BvaW50Q29tcGxldGUiLCJ0YXNrIjoic2luayMwIiwiY2hlY2twb2ludElkIjo0LCJjb3VudCI6MSwid2hlbiI6eyJhdFVzIjowfX0seyJraW5kIjoicnBjIiwiYWN0aW9uIjoiZHJvcCIsIm1ldGhvZCI6ImFja25vd2xlZGdlQ2hlY2twb2ludCIsInRhc2siOiJzaW5rIzAiLCJjaGVja3BvaW50SWQiOjUsImNvdW50IjoxLCJ3aGVuIjp7ImF0VXMiOjB9fSx7ImtpbmQiOiJ0cmFuc2FjdGlvbi10aW1lb3V0IiwidGltZW91dFVzIjo1MzI4NTkzNjMsIndoZW4iOnsiYXRVcyI6MTc4MzQ3fX1dLCJjb25maWciOnsiY2hlY2twb2ludCI6eyJpbnRlcnZhbFVzIjo3OTkzLCJyZXRhaW5lZENoZWNrcG9pbnRzIjoyLCJtYXhDb25jdXJyZW50Q2hlY2twb2ludHMiOjEsInRpbWVvdXRVcyI6NjAwMDAwMDAwLCJtb2RlIjoiQVRfTEVBU1RfT05DRSJ9fX0.0df88dc8'],
];

describe('regressions found by sweeps', () => {
  it.each(regressions)('%s', (_cause, token) => {
    const spec = decodeReplayToken(token);
    const result = runCase(findScenario(spec.scenario)!, spec);
    expect(result.violations).toEqual([]);
    expect(result.outcome).not.toBe('event-threw');
    expect(result.jobStatus).toBe('FINISHED');
  });
});

/**
 * Cases the sweeps found failing under a fault Flink's world cannot produce: the fault is no
 * longer drawn (and a plan asking for it is rejected), with the reason at the rule. Each entry:
 * the cause, the shrunk token (now refused), and the default sweep's case (scenario, index) that
 * drew it, which must draw something else now and pass.
 */
const impossibleFaults: Array<[string, string, string, number]> = [
  [
    'a duplicated AddSplitEvent made the FLIP-27 reader read its split twice (Flink delivers sendOperatorEvent at most once, never retried)',
    'ckpt1.eyJzY2VuYXJpbyI6IndvcmRjb3VudCIsInNlZWQiOjM3MDUxNDUyNywicGFyYW1ldGVycyI6eyJsaW5lcyI6MTM0fSwiZmF1bHRzIjpbeyJraW5kIjoicnBjIiwiYWN0aW9uIjoiZHVwbGljYXRlIiwibWV0aG9kIjoic2VuZE9wZXJhdG9yRXZlbnQiLCJjb3VudCI6MSwiZGVsYXlVcyI6MCwid2hlbiI6eyJhdFVzIjoxMDAzODB9fV0sImNvbmZpZyI6eyJjaGVja3BvaW50Ijp7ImludGVydmFsVXMiOjQyMjQsInJldGFpbmVkQ2hlY2twb2ludHMiOjMsIm1heENvbmN1cnJlbnRDaGVja3BvaW50cyI6MiwidGltZW91dFVzIjo2MDAwMDAwMDB9LCJpbmNyZW1lbnRhbENoZWNrcG9pbnRzIjp0cnVlfX0.597bf739',
    'wordcount',
    920,
  ],
  [
    'a duplicated AddSplitEvent made the FLIP-27 reader read its split twice (duplicates in checkpoint 1)',
    'ckpt1.eyJzY2VuYXJpbyI6IndvcmRjb3VudCIsInNlZWQiOjUwOTk3Nzc3MCwicGFyYW1ldGVycyI6eyJsaW5lcyI6MzM1fSwiZmF1bHRzIjpbeyJraW5kIjoicnBjIiwiYWN0aW9uIjoiZHVwbGljYXRlIiwibWV0aG9kIjoic2VuZE9wZXJhdG9yRXZlbnQiLCJjb3VudCI6MSwiZGVsYXlVcyI6MCwid2hlbiI6eyJhdFVzIjoxMDAzODB9fV0sImNvbmZpZyI6eyJjaGVja3BvaW50Ijp7ImludGVydmFsVXMiOjUzNDAsInJldGFpbmVkQ2hlY2twb2ludHMiOjEsIm1heENvbmN1cnJlbnRDaGVja3BvaW50cyI6MSwidGltZW91dFVzIjoxMTgyNTk1MTV9fX0.899750ee',
    'wordcount',
    969,
  ],
  [
    'a duplicated AddSplitEvent made the FLIP-27 reader read its split twice (a record after the barrier in checkpoint 1)',
    'ckpt1.eyJzY2VuYXJpbyI6IndvcmRjb3VudCIsInNlZWQiOjMwLCJwYXJhbWV0ZXJzIjp7ImxpbmVzIjoyNjh9LCJmYXVsdHMiOlt7ImtpbmQiOiJycGMiLCJhY3Rpb24iOiJkdXBsaWNhdGUiLCJtZXRob2QiOiJzZW5kT3BlcmF0b3JFdmVudCIsImNvdW50IjoxLCJkZWxheVVzIjowLCJ3aGVuIjp7ImF0VXMiOjEwMDM4MH19XSwiY29uZmlnIjp7ImNoZWNrcG9pbnQiOnsiaW50ZXJ2YWxVcyI6NDQ2MSwicmV0YWluZWRDaGVja3BvaW50cyI6MiwibWF4Q29uY3VycmVudENoZWNrcG9pbnRzIjoxLCJ0aW1lb3V0VXMiOjk4MDY2NDEzfSwiaW5jcmVtZW50YWxDaGVja3BvaW50cyI6dHJ1ZX19.debd094e',
    'wordcount',
    1533,
  ],
];

describe('failures under faults Flink cannot produce', () => {
  it.each(impossibleFaults)('%s', (_cause, token, scenarioName, index) => {
    const spec = decodeReplayToken(token);
    const scenario = findScenario(spec.scenario)!;
    expect(() => runCase(scenario, spec)).toThrow(UsageError);
    const sweepCase = { index, scenario: scenarioName, caseSeed: caseSeedFor(1, scenarioName, index), profile: 'swarm' as const, operations: 'some' as const };
    const [faults, seed, variation] = fc.sample(drawnCaseArbitrary(scenario, sweepCase), { numRuns: 1, seed: sweepCase.caseSeed })[0]!;
    // The sweep's case is the token's before shrinking: same simulation seed, now without the duplicate.
    expect(seed).toBe(spec.seed);
    expect(faults.some((fault) => fault.kind === 'rpc' && fault.action === 'duplicate' && fault.method === 'sendOperatorEvent')).toBe(false);
    expect(faults.some((fault) => fault.kind === 'rpc' && fault.method === 'sendOperatorEvent')).toBe(true);
    const result = runCase(scenario, { scenario: scenarioName, seed, faults, parameters: variation!.parameters, config: variation!.config });
    expect(result.violations).toEqual([]);
  });
});

describe('sweep cases the transaction-timeout gap explains', () => {
  it.each(transactionTimeoutGaps)('%s', (_cause, token) => {
    const spec = decodeReplayToken(token);
    const result = runCase(findScenario(spec.scenario)!, spec);
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe('expected-gap');
    expect(result.gaps.filter((gap) => gap.violation.property === 'exactly-once').map((gap) => gap.gap.name)).toEqual(['transaction-timeout']);
  });
});

describe('a resumed run that never restores its checkpoint', () => {
  it('fails the job for its caller, and leaves the checkpoint to the run that retained it (no leak)', () => {
    // More failed HA writes than the orchestrator's resubmissions: every resumed run fails to
    // initialize. The retained checkpoint of the canceled run was claimed by none of them, so
    // it stays the user's (Flink deletes nothing no store took over): its files are no leak, and
    // the one violation is the job's failure, caused by a fault that never ends.
    const result = runCase(findScenario('running-sum')!, {
      scenario: 'running-sum',
      seed: 14,
      parameters: { events: 800 },
      faults: [
        { kind: 'ha-store', action: 'fail-writes', target: 'completed-checkpoint', count: 40, when: { atUs: 120475 } },
        { kind: 'cancel', resumeFrom: 'latest', resumeAfterUs: 0, when: { atUs: 121241 } },
      ],
      config: { checkpoint: { intervalUs: 7001, retainedCheckpoints: 2, maxConcurrentCheckpoints: 3, timeoutUs: 200018 }, incrementalCheckpoints: true },
    } as never);
    expect(result.jobStatus).toBe('FAILED');
    expect(result.violations.map((violation) => violation.property)).toEqual(['job-finishes']);
    expect(result.violations[0]!.message).toContain('JobInitializationException');
  });
});
